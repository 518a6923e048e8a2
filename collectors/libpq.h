#pragma once

#include <libpq-fe.h>

#include <string>

namespace novacron::collectors {

/// libpq, loaded with dlopen the first time a PostgreSQL instance is used: a host without
/// collectors.postgres never maps it, nor the LDAP, Kerberos and TLS libraries it pulls in
/// (about 5 MB of resident memory, half the agent's idle budget).
struct Libpq {
#define NOVACRON_PQ(name) decltype(&::name) name = nullptr;
  NOVACRON_PQ(PQbackendPID)
  NOVACRON_PQ(PQclear)
  NOVACRON_PQ(PQconnectPoll)
  NOVACRON_PQ(PQconnectStart)
  NOVACRON_PQ(PQconsumeInput)
  NOVACRON_PQ(PQerrorMessage)
  NOVACRON_PQ(PQfinish)
  NOVACRON_PQ(PQflush)
  NOVACRON_PQ(PQfname)
  NOVACRON_PQ(PQgetResult)
  NOVACRON_PQ(PQgetisnull)
  NOVACRON_PQ(PQgetlength)
  NOVACRON_PQ(PQgetvalue)
  NOVACRON_PQ(PQisBusy)
  NOVACRON_PQ(PQnfields)
  NOVACRON_PQ(PQntuples)
  NOVACRON_PQ(PQresultErrorMessage)
  NOVACRON_PQ(PQresultStatus)
  NOVACRON_PQ(PQsendQuery)
  NOVACRON_PQ(PQsetnonblocking)
  NOVACRON_PQ(PQsocket)
  NOVACRON_PQ(PQstatus)
#undef NOVACRON_PQ
};

/// The loaded library, or nullptr with `error` set (libpq5 missing). Loaded once; thread-safe.
const Libpq* libpq(std::string* error = nullptr);

}  // namespace novacron::collectors
