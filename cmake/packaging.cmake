# Install rules and the Debian package (CPack). `make install` installs under /usr (DESTDIR
# honoured); `make package` builds novacron-agent_VERSION_ARCH.deb in the build directory.
include(GNUInstallDirs)

install(TARGETS novacron-agent novacron RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The unit names /usr/bin/novacron-agent: the package installs under /usr.
install(FILES systemd/novacron-agent.service DESTINATION lib/systemd/system)
install(FILES systemd/novacron.sysusers DESTINATION lib/sysusers.d RENAME novacron.conf)
install(FILES systemd/novacron.tmpfiles DESTINATION lib/tmpfiles.d RENAME novacron.conf)
install(FILES systemd/agent.yaml DESTINATION /etc/novacron
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(DIRECTORY DESTINATION /etc/novacron/playbooks.d)
file(GLOB NOVACRON_BUILTIN_PLAYBOOKS ${PROJECT_SOURCE_DIR}/policy/playbooks/*.yaml)
install(FILES ${NOVACRON_BUILTIN_PLAYBOOKS} DESTINATION ${CMAKE_INSTALL_DATADIR}/novacron/playbooks)
install(FILES completions/novacron.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME novacron)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/novacron-agent)
install(FILES packaging/copyright DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/novacron-agent)

# Man pages, compressed as Debian ships them (-n: no timestamp, reproducible).
foreach(page novacron-agent.8 novacron.1)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/man/${page}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/man/${page} > ${CMAKE_BINARY_DIR}/man/${page}.gz
    DEPENDS ${PROJECT_SOURCE_DIR}/man/${page} VERBATIM)
  list(APPEND NOVACRON_MAN_PAGES ${CMAKE_BINARY_DIR}/man/${page}.gz)
  install(FILES ${CMAKE_BINARY_DIR}/man/${page}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man_pages ALL DEPENDS ${NOVACRON_MAN_PAGES})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME novacron-agent)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "NovaCron developers <dev@novacron.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "host diagnostics and automated incident response agent")
set(CPACK_PACKAGE_DESCRIPTION
    "NovaCron Agent samples the host, its PostgreSQL and its services, matches recovery playbooks, \
runs the actions policy allows or a human approved, verifies the recovery, keeps a durable \
incident timeline and reports to a central coordinator and Alertmanager.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
# Computed by dpkg-shlibdeps, which cannot see the libraries loaded with dlopen when a feature
# first needs them, so those are declared here: libpq (a PostgreSQL instance), libssl (https,
# TLS, evidence bundles), libnftables (the firewall actions) and libbpf (the process table).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libpq5, libssl3, libnftables1, libbpf1")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm ${PROJECT_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
