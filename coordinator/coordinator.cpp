#include "coordinator/coordinator.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "coordinator/api.h"
#include "coordinator/database.h"
#include "coordinator/migrations.h"
#include "coordinator/poller.h"
#include "coordinator/silent_alerts.h"
#include "coordinator/sync_db.h"
#include "io/http_server.h"
#include "io/memory_release.h"
#include "io/postgres/pg_connection.h"
#include "io/systemd_notify.h"
#include "novacron/version.h"

namespace novacron::coordinator {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Coordinator::Impl {
  explicit Impl(Config c) : config(std::move(c)), signals(io, SIGTERM, SIGINT, SIGHUP) {}
  Config config;
  asio::io_context io;
  asio::signal_set signals;
  std::unique_ptr<Database> db;
  CoordinatorMetrics metrics;
  std::unique_ptr<Api> api;
  std::unique_ptr<io::HttpServer> http;
  std::unique_ptr<asio::steady_timer> upkeep_timer;
  std::unique_ptr<SilentAlerts> alerts;
  std::unique_ptr<Poller> poller;
  // What a burst (a fleet reconnecting, a storm of incidents) allocated goes back to the system
  // within a minute instead of staying resident.
  io::MemoryRelease memory_release{io};
  std::chrono::steady_clock::time_point last_partitions{};

  Result<void> tls() {
    if (!config.tls_cert) return {};
    if (auto r = http->enableTls(*config.tls_cert, *config.tls_key, config.tls_client_ca); !r)
      return r;
    return {};
  }

  void waitSignal() {
    signals.async_wait([this](boost::system::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        if (auto r = tls(); !r)
          logError("SIGHUP: keeping the certificate in use: " + r.error().message);
        else if (config.tls_cert)
          logInfo("SIGHUP: certificate and key read again");
        waitSignal();
        return;
      }
      logInfo(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
      io::notifyStopping();
      http->stop();
      if (upkeep_timer) upkeep_timer->cancel();
      if (poller) poller->stop();
      memory_release.stop();
      io.stop();
    });
  }

  // Every 15 s the fleet's figures for /metrics; every hour (and at start) the partitions.
  void upkeep() {
    auto now = std::chrono::steady_clock::now();
    if (last_partitions == std::chrono::steady_clock::time_point{} || now - last_partitions >= 1h) {
      last_partitions = now;
      db->upkeep([](Result<std::string> r) {
        if (!r)
          logWarning("partition upkeep: " + r.error().message + " (tried again within the hour)");
        else if (!r->empty())
          logInfo("dropped the event partitions past the retention: " + *r);
      });
    }
    db->summary(config.silent_after, [this](Result<nlohmann::json> r) {
      if (!r || !r->is_object()) return;
      std::vector<CoordinatorMetrics::NodeLag> lags;
      for (const auto& l : (*r)["laggards"]) {
        lags.push_back(
            {l["node"].get<std::string>(), l["lag"].get<double>(), l["depth"].get<int64_t>()});
      }
      metrics.fleet((*r)["nodes"].get<int64_t>(), static_cast<int64_t>((*r)["silent"].size()),
                    std::move(lags));
      alerts->update((*r)["silent"].get<std::vector<std::string>>());
      metrics.alerts(alerts->sent(), alerts->failures());
    });
    // Often enough that a silent node is noticed within half of silent_after.
    upkeep_timer->expires_after(std::min<std::chrono::milliseconds>(15s, config.silent_after / 2));
    upkeep_timer->async_wait([this](boost::system::error_code ec) {
      if (!ec) upkeep();
    });
  }

  int run() {
    if (auto why = servingProblem(config)) {
      logError(*why);
      return 1;
    }
    auto dsn = io::readDsn(config.dsn_file);
    if (!dsn) {
      logError("database.dsn_file: " + dsn.error().message);
      return 1;
    }
    {
      SyncDb sync;
      if (auto c = sync.connect(*dsn, config.db_timeout); !c) {
        logError("cannot connect to PostgreSQL: " + c.error().message);
        return 1;
      }
      auto st = migrate(sync);
      if (!st) {
        logError("schema: " + st.error().message);
        return 1;
      }
      logInfo("schema at version " + std::to_string(st->applied));
    }
    db = std::make_unique<Database>(
        io, io::PgPoolOptions{*dsn, config.pool_size, config.pool_max_waiting, config.db_timeout},
        config.db_timeout, config.retention);
    api = std::make_unique<Api>(*db, config, metrics);
    io::HttpLimits limits;
    limits.max_connections = config.max_connections;
    limits.reserved_connections = 16;
    // A whole fleet reconnects at once after a restart, and its agents keep their connections
    // open between pushes (a heartbeat a minute): the agent's limits are for a host's API.
    limits.max_pending = config.max_connections;
    limits.max_pending_per_peer = config.max_connections;
    limits.idle_timeout = std::chrono::seconds(90);
    limits.max_body_bytes = config.max_body_bytes;
    limits.answer_timeout = config.db_timeout * 2;
    http = std::make_unique<io::HttpServer>(
        io, io::HttpAsyncHandler([this](const io::HttpRequest& r, io::HttpResponder respond) {
          api->handle(r, std::move(respond));
        }),
        limits);
    http->setServerName(std::string("novacron-coordinator/") + kVersion);
    // /metrics and /healthz may use the reserved slots: a full server is still observable.
    http->setPriority([](const io::HttpRequest& head) {
      return head.path == "/metrics" || head.path == "/healthz";
    });
    if (auto r = tls(); !r) {
      logError(r.error().message);
      return 1;
    }
    if (auto r = http->listen(config.listen); !r) {
      logError(r.error().message);
      return 1;
    }
    upkeep_timer = std::make_unique<asio::steady_timer>(io);
    alerts = std::make_unique<SilentAlerts>(
        io, AlertmanagerOptions{config.alertmanager_url, config.alertmanager_resend});
    upkeep();
    poller = std::make_unique<Poller>(io, *db, config, metrics);
    poller->start();
    memory_release.start(std::chrono::seconds(30), std::chrono::minutes(1));
    waitSignal();
    logInfo(std::string("novacron-coordinator ") + kVersion + " (" + config.id + ") serving on " +
            (http->tls() ? "https://" : "http://") + config.listen.host + ":" +
            std::to_string(http->port()));
    io::notifyReady("serving");
    io.run();
    return 0;
  }
};

Coordinator::Coordinator(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Coordinator::~Coordinator() = default;
int Coordinator::run() { return impl_->run(); }

}  // namespace novacron::coordinator
