# Install rules and the two Debian packages (CPack, one component each). `make install` installs
# both under /usr (DESTDIR honoured); `make package` builds novacron-agent_VERSION_ARCH.deb and
# novacron-coordinator_VERSION_ARCH.deb in the build directory.
include(GNUInstallDirs)

# --- novacron-agent: the agent, the novacron command and its fleet client -------------------
install(TARGETS novacron-agent novacron novacron-fleet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT agent)
# The unit names /usr/bin/novacron-agent: the package installs under /usr.
install(FILES systemd/novacron-agent.service DESTINATION lib/systemd/system COMPONENT agent)
install(FILES systemd/novacron.sysusers DESTINATION lib/sysusers.d RENAME novacron.conf
        COMPONENT agent)
install(FILES systemd/novacron.tmpfiles DESTINATION lib/tmpfiles.d RENAME novacron.conf
        COMPONENT agent)
install(FILES systemd/agent.yaml DESTINATION /etc/novacron
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT agent)
install(DIRECTORY DESTINATION /etc/novacron/playbooks.d COMPONENT agent)
file(GLOB NOVACRON_BUILTIN_PLAYBOOKS ${PROJECT_SOURCE_DIR}/policy/playbooks/*.yaml)
install(FILES ${NOVACRON_BUILTIN_PLAYBOOKS} DESTINATION ${CMAKE_INSTALL_DATADIR}/novacron/playbooks
        COMPONENT agent)
install(FILES completions/novacron.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME novacron
        COMPONENT agent)
# novacron is linked static-pie (cli/CMakeLists.txt): lintian takes a PIE without an interpreter
# for a shared library and asks for the libc a shared library would need.
install(FILES packaging/agent/lintian-overrides
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME novacron-agent
        COMPONENT agent)

# --- novacron-coordinator ----------------------------------------------------------------------
install(TARGETS novacron-coordinator RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        COMPONENT coordinator)
install(FILES systemd/novacron-coordinator.service DESTINATION lib/systemd/system
        COMPONENT coordinator)
install(FILES systemd/novacron-coordinator.sysusers DESTINATION lib/sysusers.d
        RENAME novacron-coordinator.conf COMPONENT coordinator)
install(FILES systemd/coordinator.yaml DESTINATION /etc/novacron
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT coordinator)

# Each package's documentation: the README, the copyright and the changelog (gzip -9n, as Debian
# ships it: no timestamp, reproducible); man pages compressed the same way.
set(NOVACRON_GZ ${CMAKE_BINARY_DIR}/gz)
macro(novacron_gzip source output)
  add_custom_command(OUTPUT ${NOVACRON_GZ}/${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${NOVACRON_GZ}
    COMMAND gzip -9n -c ${source} > ${NOVACRON_GZ}/${output}
    DEPENDS ${source} VERBATIM)
  list(APPEND NOVACRON_GZ_FILES ${NOVACRON_GZ}/${output})
endmacro()
novacron_gzip(${PROJECT_SOURCE_DIR}/packaging/changelog changelog.gz)
foreach(page novacron-agent.8 novacron.1 novacron-fleet.1 novacron-coordinator.8)
  novacron_gzip(${PROJECT_SOURCE_DIR}/man/${page} ${page}.gz)
endforeach()
add_custom_target(man_pages ALL DEPENDS ${NOVACRON_GZ_FILES})
foreach(component agent coordinator)
  set(doc ${CMAKE_INSTALL_DATADIR}/doc/novacron-${component})
  install(FILES README.md packaging/copyright ${NOVACRON_GZ}/changelog.gz DESTINATION ${doc}
          COMPONENT ${component})
endforeach()
install(FILES ${NOVACRON_GZ}/novacron-agent.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT agent)
install(FILES ${NOVACRON_GZ}/novacron.1.gz ${NOVACRON_GZ}/novacron-fleet.1.gz
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT agent)
install(FILES ${NOVACRON_GZ}/novacron-coordinator.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8
        COMPONENT coordinator)

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL agent coordinator)
set(CPACK_PACKAGE_NAME novacron)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "NovaCron developers <dev@novacron.invalid>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Maintainer scripts: adduser where systemd-sysusers is missing, deb-systemd-invoke to restart.
set(maintainer_deps "adduser, init-system-helpers (>= 1.52)")

set(CPACK_DEBIAN_AGENT_PACKAGE_NAME novacron-agent)
set(CPACK_DEBIAN_AGENT_FILE_NAME DEB-DEFAULT)
set(CPACK_COMPONENT_AGENT_DESCRIPTION "host diagnostics and automated incident response agent
NovaCron Agent samples the host, its PostgreSQL and its services, matches
recovery playbooks, runs the actions policy allows or a human approved,
verifies the recovery, keeps a durable incident timeline and reports to a
central coordinator and Alertmanager. The novacron command drives it; novacron
fleet reads the fleet from a coordinator.")
# Computed by dpkg-shlibdeps, which cannot see the libraries loaded with dlopen when a feature
# first needs them, so those are declared here: libpq (a PostgreSQL instance), libssl (https,
# TLS, evidence bundles), libnftables (the firewall actions) and libbpf (the process table).
set(CPACK_DEBIAN_AGENT_PACKAGE_DEPENDS "libpq5, libssl3, libnftables1, libbpf1, ${maintainer_deps}")
set(CPACK_DEBIAN_AGENT_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_AGENT_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/agent/postinst ${PROJECT_SOURCE_DIR}/packaging/agent/prerm
    ${PROJECT_SOURCE_DIR}/packaging/agent/postrm ${PROJECT_SOURCE_DIR}/packaging/agent/conffiles)

set(CPACK_DEBIAN_COORDINATOR_PACKAGE_NAME novacron-coordinator)
set(CPACK_DEBIAN_COORDINATOR_FILE_NAME DEB-DEFAULT)
set(CPACK_COMPONENT_COORDINATOR_DESCRIPTION "fleet coordinator for NovaCron agents
novacron-coordinator takes the events NovaCron agents push, polls agents,
and serves the fleet view: which nodes are alive or silent, and every
incident with its timeline. All of its state is in PostgreSQL, so several
coordinators can serve one fleet.")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_DEPENDS "libssl3, libpq5, ${maintainer_deps}")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_SUGGESTS "postgresql, prometheus-alertmanager")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_COORDINATOR_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/coordinator/postinst
    ${PROJECT_SOURCE_DIR}/packaging/coordinator/prerm
    ${PROJECT_SOURCE_DIR}/packaging/coordinator/postrm
    ${PROJECT_SOURCE_DIR}/packaging/coordinator/conffiles)
include(CPack)
