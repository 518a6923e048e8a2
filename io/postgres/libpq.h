#pragma once

#include <libpq-fe.h>

#include <string>

namespace novacron::io {

// Every libpq function the agent calls, listed once.
// clang-format off
#define NOVACRON_LIBPQ_FUNCTIONS(X) \
  X(PQbackendPID) \
  X(PQclear) \
  X(PQconnectPoll) \
  X(PQconnectStart) \
  X(PQconsumeInput) \
  X(PQerrorMessage) \
  X(PQfinish) \
  X(PQflush) \
  X(PQfname) \
  X(PQgetResult) \
  X(PQgetisnull) \
  X(PQgetlength) \
  X(PQgetvalue) \
  X(PQisBusy) \
  X(PQnfields) \
  X(PQntuples) \
  X(PQresultErrorField) \
  X(PQresultErrorMessage) \
  X(PQresultStatus) \
  X(PQsendQuery) \
  X(PQsendQueryParams) \
  X(PQsetNoticeProcessor) \
  X(PQsetnonblocking) \
  X(PQsocket) \
  X(PQstatus)
// clang-format on

/// libpq, loaded with dlopen the first time a PostgreSQL instance is used: a host without
/// collectors.postgres never maps it, nor the LDAP, Kerberos and TLS libraries it pulls in
/// (about 3.5 MB of resident memory).
struct Libpq {
#define NOVACRON_PQ_MEMBER(name) decltype(&::name) name = nullptr;
  NOVACRON_LIBPQ_FUNCTIONS(NOVACRON_PQ_MEMBER)
#undef NOVACRON_PQ_MEMBER
};

/// The loaded library, or nullptr with `error` set (libpq5 missing). Loaded once; thread-safe.
const Libpq* libpq(std::string* error = nullptr);

}  // namespace novacron::io
