#include "Cli.h"

#include "AdminService.h"
#include "Catalog.h"
#include "Clock.h"
#include "Database.h"
#include "DemoSeeder.h"
#include "Keys.h"
#include "Output.h"
#include "Paths.h"
#include "Retention.h"
#include "RotationService.h"
#include "RowFormat.h"
#include "Scenario.h"
#include "Verdict.h"
#include "WhatIf.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>
#include <functional>
#include <unistd.h>

using namespace rotor;

namespace {

struct OptionSpec
{
    const char *name;
    bool takesValue;
    const char *help;
};

struct CommandSpec
{
    const char *name;
    const char *arguments; // positional, for the usage line
    int positionalCount;
    QList<OptionSpec> options;
    const char *summary;
};

const QList<OptionSpec> deviceOptions = {
    {"--device-key", true, "the client's own key for this device"},
    {"--device-name", true, "a name for the device"},
    {"--ip", true, "the client's IP address"},
    {"--user-agent", true, "the client's user agent"},
};

const QList<CommandSpec> &commands()
{
    static const QList<CommandSpec> list = {
        {"init", "", 0, {}, "create the key file (mode 0600) and the database, if they do not exist"},
        {"seed-demo",
         "",
         0,
         {{"--users", true, "how many users (required)"},
          {"--families-per-user", true, "sessions per user, on average (default 2)"},
          {"--chain-length", true, "refresh tokens per session, on average (default 5)"},
          {"--seed", true, "random seed (default 1)"}},
         "fill the database with demo users, devices, sessions, events and audit entries"},
        {"add-user", "EMAIL", 1, {{"--name", true, "display name"}}, "add a user"},
        {"login", "", 0, QList<OptionSpec> {{"--user", true, "the user's email (required)"}} + deviceOptions,
         "sign a user in on a device: a new session with an access and a refresh token"},
        {"refresh", "", 0,
         QList<OptionSpec> {
             {"--token", true, "the refresh token (required); - reads it from standard input, out of the process list"}}
             + deviceOptions,
         "present a refresh token: rotates it, or reports why not"},
        {"logout", "", 0,
         QList<OptionSpec> {{"--token", true, "the session's refresh token (required); - reads it from standard input"}}
             + deviceOptions,
         "sign out: the client revokes its own session (no error if it is already revoked or unknown)"},
        {"revoke-family", "ID", 1, {{"--reason", true, "why (required)"}}, "revoke one session"},
        {"revoke-user",
         "EMAIL",
         1,
         {{"--reason", true, "why (required)"}},
         "revoke every session of a user and invalidate their access tokens"},
        {"deactivate-user", "EMAIL", 1, {{"--reason", true, "why"}}, "deactivate a user and revoke their sessions"},
        {"activate-user", "EMAIL", 1, {{"--reason", true, "why"}}, "reactivate a user"},
        {"users",
         "",
         0,
         {{"--state", true, "active or inactive"},
          {"--search", true, "text in email or name"},
          {"--limit", true, "at most this many rows (default 200, 0: all)"}},
         "list users"},
        {"devices",
         "",
         0,
         {{"--user", true, "only this user's devices"}, {"--limit", true, "at most this many rows"}},
         "list devices"},
        {"families",
         "",
         0,
         {{"--user", true, "only this user's sessions"},
          {"--state", true, "active, revoked or expired"},
          {"--limit", true, "at most this many rows"}},
         "list sessions (token families)"},
        {"family", "ID", 1, {}, "show one session: its chain of refresh tokens and its security events"},
        {"what-if",
         "",
         0,
         {{"--session", true, "the session's id (required)"},
          {"--generation", true, "the generation to present (required)"},
          {"--at", true, "judge at this ISO 8601 time instead of now"}},
         "what presenting a session's generation now (or --at a time) would do, judged on the stored state; "
         "writes nothing"},
        {"events",
         "",
         0,
         {{"--kind", true, "only this kind (replay_detected, grace_retry, token_revoked, ...)"},
          {"--verdict", true, "only replays with this verdict: same_client or second_party"},
          {"--since", true, "only events at or after this ISO 8601 time"},
          {"--user", true, "only this user's events"},
          {"--family", true, "only this session's events"},
          {"--limit", true, "at most this many rows"}},
         "list security events, newest first"},
        {"purge",
         "",
         0,
         {{"--dry-run", false, "only count what would be removed"}},
         "remove what can no longer matter under the policy: tokens of sessions past their lifetime or revoked "
         "longer ago, old events, unused sessions and devices"},
        {"erase-user",
         "EMAIL",
         1,
         {{"--reason", true, "why (required; written to the audit log)"}},
         "erase a user's personal data (an erasure request): revokes their sessions, keeps the audit log "
         "verifiable"},
        {"policy",
         "[set]",
         -1,
         {{"--grace", true, "grace window for a concurrent retry, 0 to 5m (0 disables)"},
          {"--idle", true, "a refresh token unused this long expires"},
          {"--lifetime", true, "a session ends this long after sign-in, however often it refreshes"},
          {"--access-ttl", true, "lifetime of access tokens, 10s to 1d"},
          {"--events-retention", true, "security events older than this are purged"},
          {"--reason", true, "why (written to the audit log)"}},
         "show the deployment's rotation policy, or change it with 'policy set' (durations: 90, 10s, 15m, 12h, "
         "30d)"},
        {"simulate",
         "SCENARIO",
         1,
         {{"--into-database", false,
           "play it into --db in real time, as a simulated user (default: a scratch database; --db is not touched)"}},
         "play a scenario and narrate every step: stolen-token, theft-inside-grace, lost-response, second-tab, "
         "expiry, revoked-while-in-use; exit 0 when every step came to what was expected"},
        {"remove-simulated", "", 0, {}, "delete the users the simulator created, with their sessions and events"},
        {"audit",
         "",
         0,
         {{"--verify", false, "check the hash chain and report the first broken entry"},
          {"--limit", true, "at most this many rows"}},
         "list the audit log, or verify it"},
    };
    return list;
}

const CommandSpec *findCommand(const QString &name)
{
    for (const CommandSpec &command : commands()) {
        if (name == QLatin1String(command.name))
            return &command;
    }
    return nullptr;
}

void printError(const QString &message)
{
    std::fprintf(stderr, "rotorctl: %s\n", message.toLocal8Bit().constData());
}

int fail(int code, const QString &message)
{
    printError(message);
    return code;
}

// Everything a command needs, opened as far as it needs it.
class Context
{
public:
    explicit Context(const Invocation &invocation)
        : m_invocation(invocation)
    { }

    int openDatabase(Database::OpenMode mode, bool readOnly = false)
    {
        ConnectionSpec spec;
        QString error;
        const QString location = m_invocation.database.isEmpty() ? paths::defaultDemoDatabase() : m_invocation.database;
        if (!ConnectionSpec::parse(location, &spec, &error))
            return fail(ExitUsage, error);
        spec.readOnly = readOnly;
        m_db = std::make_unique<Database>(spec);
        if (!m_db->open(mode, &error)) {
            if (mode == Database::OpenMode::OpenExisting && spec.backend == Backend::Sqlite
                && !QFileInfo::exists(spec.sqlitePath))
                error += QStringLiteral(" (create it with 'rotorctl init' or start rotor-console once)");
            return fail(ExitDatabase, error);
        }
        return ExitOk;
    }

    int loadKeys()
    {
        QString error;
        if (!Keys::load(m_invocation.keyFile, &m_keys, &error))
            return fail(ExitKey, error);
        return ExitOk;
    }

    Database &db() { return *m_db; }
    const Keys &keys() const { return m_keys; }
    const Clock &clock() const { return m_clock; }
    AdminService admin() { return AdminService(*m_db, m_clock, Actor::forConnection(m_db->spec())); }
    Catalog catalog() { return Catalog(*m_db, m_clock); }
    QString option(const char *name) const { return m_invocation.options.value(QLatin1String(name)); }
    bool has(const char *name) const { return m_invocation.options.contains(QLatin1String(name)); }
    const Invocation &invocation() const { return m_invocation; }

private:
    const Invocation &m_invocation;
    std::unique_ptr<Database> m_db;
    Keys m_keys;
    SystemClock m_clock;
};

bool parseId(const QString &text, qint64 *id)
{
    bool ok = false;
    *id = text.toLongLong(&ok);
    return ok && *id > 0;
}

int limitOption(Context &context, int *limit)
{
    if (!context.has("--limit")) {
        *limit = 200;
        return ExitOk;
    }
    bool ok = false;
    const int value = context.option("--limit").toInt(&ok);
    if (!ok || value < 0)
        return fail(ExitUsage, QStringLiteral("--limit takes a whole number of rows (0 for all)"));
    *limit = value == 0 ? -1 : value;
    return ExitOk;
}

int userOption(Context &context, qint64 *userId)
{
    *userId = 0;
    if (!context.has("--user"))
        return ExitOk;
    UserRef user;
    QString error;
    if (!context.catalog().findUser(context.option("--user"), &user, &error))
        return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
    *userId = user.id;
    return ExitOk;
}

int printTable(Context &context, const ListRequest &request)
{
    QList<QVariantList> rows;
    QString error;
    if (!context.catalog().list(request, &rows, &error))
        return fail(ExitDatabase, error);
    if (context.invocation().json)
        output::printJson(row_format::rowsToJson(request.table, rows));
    else
        std::fputs(output::rowsToText(request.table, rows).toUtf8().constData(), stdout);
    return ExitOk;
}

DeviceInfo deviceFrom(const Context &context)
{
    return {context.option("--device-key"), context.option("--device-name"), context.option("--ip"),
            context.option("--user-agent")};
}

void printTokens(const Context &context, const IssuedTokens &tokens, const char *outcome)
{
    if (context.invocation().json) {
        QJsonObject object {
            {QStringLiteral("outcome"), QLatin1String(outcome)},
            {QStringLiteral("access_token"), QString::fromLatin1(tokens.accessToken)},
            {QStringLiteral("refresh_token"), QString::fromLatin1(tokens.refreshToken)},
            {QStringLiteral("user_id"), tokens.userId},
            {QStringLiteral("family_id"), tokens.familyId},
            {QStringLiteral("generation"), tokens.generation},
            {QStringLiteral("access_expires_at"), row_format::isoTime(tokens.accessExpiresAt)},
            {QStringLiteral("refresh_expires_at"), row_format::isoTime(tokens.refreshExpiresAt)},
        };
        output::printJson(object);
        return;
    }
    output::printLine(QStringLiteral("outcome:            %1").arg(QLatin1String(outcome)));
    output::printLine(
        QStringLiteral("session:            %1 (generation %2)").arg(tokens.familyId).arg(tokens.generation));
    output::printLine(QStringLiteral("access token:       %1").arg(QString::fromLatin1(tokens.accessToken)));
    output::printLine(QStringLiteral("access expires:     %1").arg(row_format::isoTime(tokens.accessExpiresAt)));
    output::printLine(QStringLiteral("refresh token:      %1").arg(QString::fromLatin1(tokens.refreshToken)));
    output::printLine(QStringLiteral("refresh expires:    %1").arg(row_format::isoTime(tokens.refreshExpiresAt)));
}

int exitCodeFor(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Rotate:
    case Outcome::GraceRetry:
        return ExitOk;
    case Outcome::Malformed:
    case Outcome::Unknown:
        return ExitBadToken;
    case Outcome::Expired:
        return ExitExpired;
    case Outcome::TokenRevoked:
    case Outcome::UserInactive:
        return ExitRevoked;
    case Outcome::Replay:
        return ExitReplay;
    }
    return ExitFailed;
}

int cmdInit(Context &context)
{
    const QString keyFile
        = context.invocation().keyFile.isEmpty() ? Keys::defaultKeyFile() : context.invocation().keyFile;
    QString error;
    if (QFileInfo::exists(keyFile)) {
        Keys keys;
        if (!Keys::loadFile(keyFile, &keys, &error))
            return fail(ExitKey, error);
        output::printLine(QStringLiteral("key file:  %1 (kept)").arg(keyFile));
    } else {
        if (!Keys::createKeyFile(keyFile, &error))
            return fail(ExitKey, error);
        output::printLine(QStringLiteral("key file:  %1 (created, mode 0600)").arg(keyFile));
    }
    if (int code = context.openDatabase(Database::OpenMode::CreateIfMissing))
        return code;
    output::printLine(QStringLiteral("database:  %1 (schema version %2)")
                          .arg(context.db().spec().displayName())
                          .arg(context.db().schemaVersion()));
    return ExitOk;
}

int cmdSeedDemo(Context &context)
{
    SeedOptions options;
    const auto number = [&](const char *name, int *out, int minimum) {
        if (!context.has(name))
            return true;
        bool ok = false;
        *out = context.option(name).toInt(&ok);
        return ok && *out >= minimum;
    };
    if (!context.has("--users"))
        return fail(ExitUsage, QStringLiteral("seed-demo needs --users N"));
    int seed = int(options.seed);
    if (!number("--users", &options.users, 1) || !number("--families-per-user", &options.familiesPerUser, 0)
        || !number("--chain-length", &options.chainLength, 1) || !number("--seed", &seed, 0))
        return fail(ExitUsage, QStringLiteral("seed-demo takes whole positive numbers"));
    options.seed = quint32(seed);
    if (int code = context.openDatabase(Database::OpenMode::CreateIfMissing))
        return code;
    DemoSeeder seeder(context.db(), context.clock());
    const bool interactive = isatty(STDERR_FILENO);
    QElapsedTimer timer;
    timer.start();
    SeedStats stats;
    QString error;
    const bool ok = seeder.seed(
        options,
        [interactive](qint64 done, qint64 total) {
            if (interactive)
                std::fprintf(stderr, "\rseeding: %lld / %lld users", qlonglong(done), qlonglong(total));
            return true;
        },
        &stats, &error);
    if (interactive)
        std::fputc('\n', stderr);
    if (!ok)
        return fail(ExitDatabase, error);
    const double seconds = timer.elapsed() / 1000.0;
    if (context.invocation().json) {
        output::printJson(QJsonObject {{QStringLiteral("users"), stats.users},
                                       {QStringLiteral("devices"), stats.devices},
                                       {QStringLiteral("families"), stats.families},
                                       {QStringLiteral("tokens"), stats.tokens},
                                       {QStringLiteral("events"), stats.events},
                                       {QStringLiteral("audit_entries"), stats.auditEntries},
                                       {QStringLiteral("seconds"), seconds}});
    } else {
        output::printLine(QStringLiteral("seeded %1 users, %2 devices, %3 sessions, %4 refresh tokens, %5 events, "
                                         "%6 audit entries in %7 s")
                              .arg(stats.users)
                              .arg(stats.devices)
                              .arg(stats.families)
                              .arg(stats.tokens)
                              .arg(stats.events)
                              .arg(stats.auditEntries)
                              .arg(seconds, 0, 'f', 1));
    }
    return ExitOk;
}

int cmdAddUser(Context &context)
{
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    qint64 id = 0;
    QString error;
    if (!context.admin().addUser(context.invocation().positional.at(0), context.option("--name"), &id, &error))
        return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
    if (context.invocation().json)
        output::printJson(
            QJsonObject {{QStringLiteral("id"), id},
                         {QStringLiteral("email"), context.invocation().positional.at(0).trimmed().toLower()}});
    else
        output::printLine(QStringLiteral("added user %1 (id %2)").arg(context.invocation().positional.at(0)).arg(id));
    return ExitOk;
}

int cmdLogin(Context &context)
{
    if (!context.has("--user") || !context.has("--device-key"))
        return fail(ExitUsage, QStringLiteral("login needs --user EMAIL and --device-key K"));
    if (int code = context.loadKeys())
        return code;
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    RotationService service(context.db(), context.keys(), context.clock());
    const LoginResult result = service.login(context.option("--user"), deviceFrom(context));
    switch (result.status) {
    case LoginResult::Status::Ok:
        printTokens(context, result.tokens, "login");
        return ExitOk;
    case LoginResult::Status::UnknownUser:
        return fail(ExitFailed, result.error);
    case LoginResult::Status::UserInactive:
        return fail(ExitRevoked, result.error);
    case LoginResult::Status::InvalidDevice:
        return fail(ExitUsage, result.error);
    case LoginResult::Status::Failed:
        break;
    }
    return fail(ExitDatabase, result.error);
}

// The --token option's value; "-" reads it from standard input, out of the process list and the shell's history.
int tokenOption(Context &context, const char *command, QByteArray *token)
{
    if (!context.has("--token"))
        return fail(ExitUsage, QStringLiteral("%1 needs --token T").arg(QLatin1String(command)));
    *token = context.option("--token").toLatin1();
    if (*token == "-") {
        QFile input;
        if (!input.open(stdin, QIODevice::ReadOnly))
            return fail(ExitUsage, QStringLiteral("cannot read the token from standard input"));
        *token = input.readLine(4096).trimmed();
    }
    return ExitOk;
}

// What a command that presents a token needs: the token, the keys and the database.
int openForToken(Context &context, const char *command, QByteArray *token)
{
    if (int code = tokenOption(context, command, token))
        return code;
    if (int code = context.loadKeys())
        return code;
    return context.openDatabase(Database::OpenMode::OpenExisting);
}

int cmdRefresh(Context &context)
{
    QByteArray token;
    if (int code = openForToken(context, "refresh", &token))
        return code;
    RotationService service(context.db(), context.keys(), context.clock());
    const RefreshResult result = service.refresh(token, deviceFrom(context));
    if (result.storageFailed)
        return fail(ExitDatabase, result.error);
    if (!result.ok())
        return fail(exitCodeFor(result.outcome), result.error);
    printTokens(context, result.tokens, outcomeName(result.outcome));
    return ExitOk;
}

int cmdLogout(Context &context)
{
    QByteArray token;
    if (int code = openForToken(context, "logout", &token))
        return code;
    RotationService service(context.db(), context.keys(), context.clock());
    const LogoutResult result = service.logout(token, deviceFrom(context));
    QString status, message;
    switch (result.status) {
    case LogoutResult::Status::Malformed:
        return fail(ExitBadToken, result.error);
    case LogoutResult::Status::Failed:
        return fail(ExitDatabase, result.error);
    case LogoutResult::Status::Revoked:
        status = QStringLiteral("revoked");
        message = QStringLiteral("signed out: session %1 is revoked").arg(result.familyId);
        break;
    case LogoutResult::Status::AlreadyRevoked:
        status = QStringLiteral("already_revoked");
        message = QStringLiteral("session %1 was already revoked").arg(result.familyId);
        break;
    case LogoutResult::Status::Unknown:
        status = QStringLiteral("unknown_token");
        message = QStringLiteral("no session has this token; nothing to revoke");
        break;
    }
    if (context.invocation().json) {
        QJsonObject object {{QStringLiteral("status"), status}};
        if (result.familyId)
            object.insert(QStringLiteral("family_id"), result.familyId);
        output::printJson(object);
    } else {
        output::printLine(message);
    }
    return ExitOk;
}

int writeResult(Context &context, bool ok, const QString &error, const QString &message)
{
    if (!ok)
        return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
    if (context.invocation().json)
        output::printJson(QJsonObject {{QStringLiteral("ok"), true}, {QStringLiteral("message"), message}});
    else
        output::printLine(message);
    return ExitOk;
}

int cmdRevokeFamily(Context &context)
{
    qint64 id = 0;
    if (!parseId(context.invocation().positional.at(0), &id))
        return fail(ExitUsage, QStringLiteral("revoke-family takes a session id (a positive number)"));
    if (context.option("--reason").trimmed().isEmpty())
        return fail(ExitUsage, QStringLiteral("revoke-family needs --reason R"));
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    QString error;
    const bool ok = context.admin().revokeFamily(id, context.option("--reason"), &error);
    return writeResult(context, ok, error, QStringLiteral("revoked session %1").arg(id));
}

int withUser(Context &context, UserRef *user)
{
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    QString error;
    if (!context.catalog().findUser(context.invocation().positional.at(0), user, &error))
        return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
    return ExitOk;
}

// A command that acts on one user (EMAIL) and needs a reason: act(user id, reason, &sessions revoked, &error).
int userActionWithReason(Context &context, const char *command,
                         const std::function<bool(AdminService &, qint64, const QString &, int *, QString *)> &act,
                         const std::function<QString(const UserRef &, int)> &done)
{
    if (context.option("--reason").trimmed().isEmpty())
        return fail(ExitUsage, QStringLiteral("%1 needs --reason R").arg(QLatin1String(command)));
    UserRef user;
    if (int code = withUser(context, &user))
        return code;
    int revoked = 0;
    QString error;
    AdminService admin = context.admin();
    const bool ok = act(admin, user.id, context.option("--reason"), &revoked, &error);
    return writeResult(context, ok, error, done(user, revoked));
}

int cmdRevokeUser(Context &context)
{
    return userActionWithReason(
        context, "revoke-user",
        [](AdminService &admin, qint64 id, const QString &reason, int *revoked, QString *error) {
            return admin.revokeUser(id, reason, revoked, error);
        },
        [](const UserRef &user, int revoked) {
            return QStringLiteral("revoked %1 session(s) of %2; their access tokens are void")
                .arg(revoked)
                .arg(user.email);
        });
}

int cmdSetActive(Context &context, bool active)
{
    UserRef user;
    if (int code = withUser(context, &user))
        return code;
    QString reason = context.option("--reason").trimmed();
    if (reason.isEmpty())
        reason = active ? QStringLiteral("reactivated with rotorctl") : QStringLiteral("deactivated with rotorctl");
    QString error;
    int revoked = 0;
    const bool ok = context.admin().setUserActive(user.id, active, reason, &error, &revoked);
    return writeResult(context, ok, error,
                       active ? QStringLiteral("activated %1").arg(user.email)
                              : QStringLiteral("deactivated %1; %2 session(s) revoked").arg(user.email).arg(revoked));
}

int cmdList(Context &context, Table table)
{
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    ListRequest request;
    request.table = table;
    if (int code = limitOption(context, &request.limit))
        return code;
    if (int code = userOption(context, &request.userId))
        return code;
    request.state = context.option("--state");
    if (!request.state.isEmpty() && !Catalog::validState(table, request.state))
        return fail(ExitUsage, QStringLiteral("unknown state '%1'").arg(request.state));
    request.text = context.option("--search");
    request.kind = context.option("--kind");
    request.verdict = context.option("--verdict");
    if (!request.verdict.isEmpty() && !verdictFromName(request.verdict))
        return fail(ExitUsage,
                    QStringLiteral("unknown verdict '%1' (same_client or second_party)").arg(request.verdict));
    switch (table) {
    case Table::Users:
        request.sortColumn = column::UserId;
        break;
    case Table::Devices:
        request.sortColumn = column::DeviceId;
        break;
    case Table::Families:
        request.sortColumn = column::FamilyId;
        break;
    case Table::Events:
    case Table::Audit:
        request.sortColumn = 0; // id: newest first
        request.descending = true;
        break;
    case Table::Tokens:
        break;
    }
    if (context.has("--since")) {
        const QDateTime since = QDateTime::fromString(context.option("--since"), Qt::ISODateWithMs);
        if (!since.isValid())
            return fail(ExitUsage, QStringLiteral("--since takes an ISO 8601 time, such as 2026-11-28T09:00:00Z"));
        request.since = since.toMSecsSinceEpoch();
    }
    if (context.has("--family") && !parseId(context.option("--family"), &request.familyId))
        return fail(ExitUsage, QStringLiteral("--family takes a session id"));
    return printTable(context, request);
}

int cmdFamily(Context &context)
{
    qint64 id = 0;
    if (!parseId(context.invocation().positional.at(0), &id))
        return fail(ExitUsage, QStringLiteral("family takes a session id (a positive number)"));
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    Catalog catalog = context.catalog();
    ListRequest familyRequest;
    familyRequest.table = Table::Families;
    familyRequest.familyId = id;
    ListRequest chainRequest;
    chainRequest.table = Table::Tokens;
    chainRequest.familyId = id;
    chainRequest.limit = -1;
    ListRequest eventsRequest;
    eventsRequest.table = Table::Events;
    eventsRequest.familyId = id;
    eventsRequest.limit = -1;
    QList<QVariantList> family, chain, events;
    QString error;
    if (!catalog.list(familyRequest, &family, &error) || !catalog.list(chainRequest, &chain, &error)
        || !catalog.list(eventsRequest, &events, &error))
        return fail(ExitDatabase, error);
    if (family.isEmpty())
        return fail(ExitFailed, QStringLiteral("no session with id %1").arg(id));
    RevocationExplanation revocation;
    if (!catalog.explainRevocation(id, &revocation, &error))
        return fail(ExitDatabase, error);
    if (context.invocation().json) {
        QJsonObject object = row_format::rowsToJson(Table::Families, family).at(0).toObject();
        object.insert(QStringLiteral("revocation"), revocation.sentence);
        object.insert(QStringLiteral("chain"), row_format::rowsToJson(Table::Tokens, chain));
        object.insert(QStringLiteral("events"), row_format::rowsToJson(Table::Events, events));
        output::printJson(object);
        return ExitOk;
    }
    std::fputs(output::rowsToText(Table::Families, family).toUtf8().constData(), stdout);
    output::printLine(QStringLiteral("\n") + revocation.sentence);
    output::printLine(QStringLiteral("\nchain:"));
    std::fputs(output::rowsToText(Table::Tokens, chain).toUtf8().constData(), stdout);
    output::printLine(QStringLiteral("\nevents:"));
    std::fputs(output::rowsToText(Table::Events, events).toUtf8().constData(), stdout);
    return ExitOk;
}

int cmdSimulate(Context &context)
{
    const bool into = context.has("--into-database");
    ConnectionSpec target;
    if (into) {
        if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
            return code;
        target = context.db().spec();
    }
    QString error;
    std::unique_ptr<ScenarioRun> run
        = ScenarioRun::start(context.invocation().positional.at(0),
                             into ? ScenarioRun::Target::IntoDatabase : ScenarioRun::Target::Scratch, target, &error);
    if (!run)
        return fail(findScenario(context.invocation().positional.at(0)) ? ExitDatabase : ExitUsage, error);
    const bool json = context.invocation().json;
    if (!json)
        output::printLine(QStringLiteral("%1: %2\n%3\n")
                              .arg(QLatin1String(run->info().id),
                                   QCoreApplication::translate("rotor::Scenario", run->info().title),
                                   QCoreApplication::translate("rotor::Scenario", run->info().summary)));
    QList<ScenarioStep> played;
    while (!run->atEnd()) {
        if (!json && run->realTime() && run->nextWaitMs() > 0)
            std::fprintf(stderr, "waiting %s...\n", row_format::elapsed(run->nextWaitMs()).toUtf8().constData());
        if (!run->next(&played, &error)) {
            if (json)
                output::printJson(run->toJson());
            return fail(ExitDatabase, error);
        }
        if (!json) {
            for (const ScenarioStep &step : played)
                output::printLine(step.toText());
        }
    }
    if (json)
        output::printJson(run->toJson());
    else
        output::printLine(run->allAsExpected() ? QStringLiteral("every step came to what was expected")
                                               : QStringLiteral("some steps did not come to what was expected"));
    return run->allAsExpected() ? ExitOk : ExitFailed;
}

int cmdRemoveSimulated(Context &context)
{
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    AdminService::SimulatedRemoval removed;
    QString error;
    if (!context.admin().removeSimulatedUsers(&removed, &error))
        return fail(ExitDatabase, error);
    if (context.invocation().json) {
        output::printJson(QJsonObject {{QStringLiteral("users"), removed.users},
                                       {QStringLiteral("sessions"), removed.families},
                                       {QStringLiteral("events"), removed.events}});
    } else {
        output::printLine(QStringLiteral("removed %1 simulated users, %2 sessions, %3 events")
                              .arg(removed.users)
                              .arg(removed.families)
                              .arg(removed.events));
    }
    return ExitOk;
}

int cmdWhatIf(Context &context)
{
    qint64 familyId = 0;
    if (!context.has("--session") || !context.has("--generation"))
        return fail(ExitUsage, QStringLiteral("what-if needs --session ID and --generation N"));
    if (!parseId(context.option("--session"), &familyId))
        return fail(ExitUsage, QStringLiteral("--session takes a session id (a positive number)"));
    bool ok = false;
    const int generation = context.option("--generation").toInt(&ok);
    if (!ok || generation < 0)
        return fail(ExitUsage, QStringLiteral("--generation takes a generation number (0 or more)"));
    std::optional<qint64> at;
    if (context.has("--at")) {
        const QDateTime time = QDateTime::fromString(context.option("--at"), Qt::ISODateWithMs);
        if (!time.isValid())
            return fail(ExitUsage, QStringLiteral("--at takes an ISO 8601 time, such as 2026-11-28T09:00:00Z"));
        at = time.toMSecsSinceEpoch();
    }
    // Read-only: the answer cannot change what it looks at, whatever happens.
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting, true))
        return code;
    WhatIf whatIf(context.db(), context.clock());
    WhatIfAnswer answer;
    QString error;
    if (!whatIf.answer(familyId, generation, at, &answer, &error))
        return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
    const char *outcome = outcomeName(answer.judgement.outcome);
    if (context.invocation().json) {
        const auto time = [](const std::optional<qint64> &ms) {
            return ms ? QJsonValue(row_format::isoTime(*ms)) : QJsonValue(QJsonValue::Null);
        };
        const PresentedState &state = answer.state;
        output::printJson(QJsonObject {
            {QStringLiteral("family_id"), answer.familyId},
            {QStringLiteral("generation"), answer.generation},
            {QStringLiteral("current_generation"), answer.currentGeneration},
            {QStringLiteral("at"), row_format::isoTime(answer.atMs)},
            {QStringLiteral("outcome"), QLatin1String(outcome)},
            {QStringLiteral("explanation"), answer.explanation},
            {QStringLiteral("consequence"), answer.consequence},
            {QStringLiteral("revokes_session"), answer.revokesSession},
            {QStringLiteral("records_event"),
             answer.recordsEvent.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(answer.recordsEvent)},
            {QStringLiteral("grace_seconds"), double(answer.policy.graceMs) / 1000.0},
            {QStringLiteral("token"),
             QJsonObject {{QStringLiteral("expires_at"), row_format::isoTime(state.expiresAt)},
                          {QStringLiteral("used_at"), time(state.usedAt)},
                          {QStringLiteral("revoked_at"), time(state.revokedAt)},
                          {QStringLiteral("session_ends_at"), row_format::isoTime(state.familyExpiresAt)},
                          {QStringLiteral("session_revoked_at"), time(state.familyRevokedAt)},
                          {QStringLiteral("user_active"), state.userActive},
                          {QStringLiteral("successor_live"), state.hasSuccessor && state.successorLive}}},
        });
        return ExitOk;
    }
    output::printLine(QStringLiteral("session:      %1, generation %2 (newest: generation %3)")
                          .arg(answer.familyId)
                          .arg(answer.generation)
                          .arg(answer.currentGeneration));
    output::printLine(QStringLiteral("judged at:    %1%2, grace window %3")
                          .arg(row_format::isoTime(answer.atMs), at ? QString() : QStringLiteral(" (now)"),
                               Policy::formatDuration(answer.policy.graceMs)));
    output::printLine(QStringLiteral("outcome:      %1").arg(QLatin1String(outcome)));
    output::printLine(QStringLiteral("explanation:  %1").arg(answer.explanation));
    output::printLine(QStringLiteral("consequence:  %1").arg(answer.consequence));
    output::printLine(
        QStringLiteral("(the genuine token of generation %1 presented; nothing was written)").arg(answer.generation));
    return ExitOk;
}

int cmdAudit(Context &context)
{
    if (!context.has("--verify"))
        return cmdList(context, Table::Audit);
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    AuditVerification verification;
    QString error;
    if (!context.admin().verifyAudit(&verification, &error))
        return fail(ExitDatabase, error);
    if (context.invocation().json) {
        output::printJson(QJsonObject {{QStringLiteral("intact"), verification.intact},
                                       {QStringLiteral("entries_checked"), verification.entriesChecked},
                                       {QStringLiteral("first_broken_id"), verification.firstBrokenId},
                                       {QStringLiteral("problem"), verification.problem}});
    } else if (verification.intact) {
        output::printLine(QStringLiteral("audit log intact: %1 entries verified").arg(verification.entriesChecked));
    }
    if (!verification.intact) {
        printError(QStringLiteral("audit log broken at entry %1: %2")
                       .arg(verification.firstBrokenId)
                       .arg(verification.problem));
        return ExitFailed;
    }
    return ExitOk;
}

int cmdPurge(Context &context)
{
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    RetentionService retention(context.db(), context.clock(), Actor::forConnection(context.db().spec()));
    PurgeReport report;
    QString error;
    if (!retention.purge(context.has("--dry-run"), &report, &error))
        return fail(ExitDatabase, error);
    if (context.invocation().json) {
        output::printJson(QJsonObject {{QStringLiteral("dry_run"), report.dryRun},
                                       {QStringLiteral("tokens"), report.tokens},
                                       {QStringLiteral("events"), report.events},
                                       {QStringLiteral("families"), report.families},
                                       {QStringLiteral("devices"), report.devices}});
        return ExitOk;
    }
    output::printLine(QStringLiteral("%1 %2 tokens, %3 events, %4 sessions, %5 devices")
                          .arg(report.dryRun ? QStringLiteral("would remove") : QStringLiteral("removed"))
                          .arg(report.tokens)
                          .arg(report.events)
                          .arg(report.families)
                          .arg(report.devices));
    return ExitOk;
}

int cmdEraseUser(Context &context)
{
    return userActionWithReason(
        context, "erase-user",
        [](AdminService &admin, qint64 id, const QString &reason, int *revoked, QString *error) {
            return admin.eraseUser(id, reason, revoked, error);
        },
        [](const UserRef &user, int revoked) {
            return QStringLiteral("erased the personal data of user %1; %2 session(s) revoked")
                .arg(user.id)
                .arg(revoked);
        });
}

void printPolicy(const Context &context, const Policy &policy)
{
    if (context.invocation().json) {
        const auto seconds
            = [](qint64 ms) { return ms % 1000 == 0 ? QJsonValue(ms / 1000) : QJsonValue(double(ms) / 1000.0); };
        output::printJson(
            QJsonObject {{QStringLiteral("grace_seconds"), seconds(policy.graceMs)},
                         {QStringLiteral("idle_seconds"), seconds(policy.refreshIdleTtlMs)},
                         {QStringLiteral("lifetime_seconds"), seconds(policy.familyLifetimeMs)},
                         {QStringLiteral("access_ttl_seconds"), seconds(policy.accessTtlMs)},
                         {QStringLiteral("events_retention_seconds"), seconds(policy.eventsRetentionMs)}});
        return;
    }
    output::printLine(QStringLiteral("grace window:      %1").arg(Policy::formatDuration(policy.graceMs)));
    output::printLine(QStringLiteral("idle lifetime:     %1").arg(Policy::formatDuration(policy.refreshIdleTtlMs)));
    output::printLine(QStringLiteral("session lifetime:  %1").arg(Policy::formatDuration(policy.familyLifetimeMs)));
    output::printLine(QStringLiteral("access tokens:     %1").arg(Policy::formatDuration(policy.accessTtlMs)));
    output::printLine(QStringLiteral("events kept:       %1").arg(Policy::formatDuration(policy.eventsRetentionMs)));
}

int cmdPolicy(Context &context)
{
    const QStringList &positional = context.invocation().positional;
    const bool set = !positional.isEmpty();
    if (set && positional.first() != QLatin1String("set"))
        return fail(ExitUsage, QStringLiteral("unknown policy action '%1' (only 'set')").arg(positional.first()));
    const char *durations[] = {"--grace", "--idle", "--lifetime", "--access-ttl", "--events-retention"};
    const bool anyChange
        = std::any_of(std::begin(durations), std::end(durations), [&](const char *name) { return context.has(name); });
    if (!set && (anyChange || context.has("--reason")))
        return fail(ExitUsage, QStringLiteral("to change the policy: rotorctl policy set --grace D ..."));
    if (set && !anyChange)
        return fail(ExitUsage,
                    QStringLiteral("policy set needs at least one of --grace, --idle, --lifetime, "
                                   "--access-ttl, --events-retention"));
    if (int code = context.openDatabase(Database::OpenMode::OpenExisting))
        return code;
    Policy policy;
    QString error;
    if (!context.db().policy(&policy, &error))
        return fail(ExitDatabase, error);
    if (set) {
        qint64 *fields[] = {&policy.graceMs, &policy.refreshIdleTtlMs, &policy.familyLifetimeMs, &policy.accessTtlMs,
                            &policy.eventsRetentionMs};
        for (size_t i = 0; i < std::size(durations); ++i) {
            if (context.has(durations[i]) && !Policy::parseDuration(context.option(durations[i]), fields[i], &error))
                return fail(ExitUsage, QStringLiteral("%1: %2").arg(QLatin1String(durations[i]), error));
        }
        const QString problem = policy.problem();
        if (!problem.isEmpty())
            return fail(ExitUsage, problem);
        if (!context.admin().setPolicy(policy, context.option("--reason"), &error))
            return fail(context.db().lastError().isValid() ? ExitDatabase : ExitFailed, error);
        if (!context.db().policy(&policy, &error))
            return fail(ExitDatabase, error);
    }
    printPolicy(context, policy);
    return ExitOk;
}

} // namespace

QString usageText(const QString &command)
{
    if (const CommandSpec *spec = findCommand(command)) {
        QString text = QStringLiteral("usage: rotorctl [global options] %1%2%3\n\n%4\n")
                           .arg(QLatin1String(spec->name))
                           .arg(spec->arguments[0] ? QStringLiteral(" ") + QLatin1String(spec->arguments) : QString())
                           .arg(spec->options.isEmpty() ? QString() : QStringLiteral(" [options]"))
                           .arg(QLatin1String(spec->summary));
        if (!spec->options.isEmpty())
            text += QStringLiteral("\noptions:\n");
        for (const OptionSpec &option : spec->options)
            text += QStringLiteral("  %1%2\n")
                        .arg(QString(QLatin1String(option.name)
                                     + (option.takesValue ? QStringLiteral(" VALUE") : QString()))
                                 .leftJustified(26))
                        .arg(QLatin1String(option.help));
        return text;
    }
    QString text = QStringLiteral(
        "usage: rotorctl [--db PATH|postgresql://...] [--key-file FILE] [--json] COMMAND [ARGS]\n\n"
        "Refresh-token rotation with replay detection: administer a Rotor database.\n\n"
        "global options (before or after the command):\n"
        "  --db PATH|URI             SQLite file or postgresql://user:password@host:port/db (default: the demo "
        "database)\n"
        "  --key-file FILE           the master key file (default: ROTOR_MASTER_KEY, else ~/.config/rotor/master.key)\n"
        "  --json                    print JSON for scripts\n"
        "  --help                    this help, or a command's with 'rotorctl COMMAND --help'\n\n"
        "commands:\n");
    for (const CommandSpec &spec : commands())
        text += QStringLiteral("  %1%2\n")
                    .arg(QString::fromLatin1(spec.name).leftJustified(26))
                    .arg(QLatin1String(spec.summary));
    text += QStringLiteral("\nexit codes: 0 ok, 1 not done (no such user or session, already revoked), 2 usage, "
                           "3 malformed or unknown token,\n4 expired, 5 session revoked or user inactive, 6 replay "
                           "detected, 7 database error, 8 key error\n");
    return text;
}

int parseArguments(const QStringList &arguments, Invocation *invocation, QString *error)
{
    QStringList rest;
    for (int i = 0; i < arguments.size(); ++i) {
        QString argument = arguments.at(i);
        QString inlineValue;
        bool hasInline = false;
        if (argument.startsWith(QLatin1String("--")) && argument.contains(QLatin1Char('='))) {
            inlineValue = argument.section(QLatin1Char('='), 1);
            argument = argument.section(QLatin1Char('='), 0, 0);
            hasInline = true;
        }
        const auto takeValue = [&](QString *out) {
            if (hasInline) {
                *out = inlineValue;
                return true;
            }
            if (i + 1 >= arguments.size()) {
                *error = QStringLiteral("%1 needs a value").arg(argument);
                return false;
            }
            *out = arguments.at(++i);
            return true;
        };
        if (argument == QLatin1String("--db")) {
            if (!takeValue(&invocation->database))
                return ExitUsage;
        } else if (argument == QLatin1String("--key-file")) {
            if (!takeValue(&invocation->keyFile))
                return ExitUsage;
        } else if (argument == QLatin1String("--json")) {
            invocation->json = true;
        } else if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            invocation->help = true;
        } else if (hasInline) {
            rest << argument << inlineValue; // a command option written as --name=value
            rest.last().prepend(QChar(0)); // marks a value that must not be read as an option
        } else {
            rest << argument;
        }
    }
    if (rest.isEmpty()) {
        if (invocation->help)
            return ExitOk;
        *error = QStringLiteral("no command given");
        return ExitUsage;
    }
    invocation->command = rest.takeFirst();
    if (invocation->command == QLatin1String("help")) {
        invocation->help = true;
        invocation->command = rest.isEmpty() ? QString() : rest.takeFirst();
    }
    const CommandSpec *spec = findCommand(invocation->command);
    if (!spec) {
        *error = QStringLiteral("unknown command '%1'").arg(invocation->command);
        return ExitUsage;
    }
    for (int i = 0; i < rest.size(); ++i) {
        const QString argument = rest.at(i);
        if (argument.startsWith(QLatin1String("-")) && argument.size() > 1) {
            const auto option = std::find_if(spec->options.cbegin(), spec->options.cend(),
                                             [&](const OptionSpec &o) { return argument == QLatin1String(o.name); });
            if (option == spec->options.cend()) {
                *error = QStringLiteral("unknown option '%1' for %2").arg(argument, invocation->command);
                return ExitUsage;
            }
            QString value;
            if (option->takesValue) {
                if (i + 1 >= rest.size()) {
                    *error = QStringLiteral("%1 needs a value").arg(argument);
                    return ExitUsage;
                }
                value = rest.at(++i);
                if (value.startsWith(QChar(0)))
                    value.remove(0, 1);
            }
            invocation->options.insert(argument, value);
        } else {
            QString value = argument;
            if (value.startsWith(QChar(0)))
                value.remove(0, 1);
            invocation->positional << value;
        }
    }
    // A negative count: at most that many (optional arguments).
    const bool countOk = spec->positionalCount >= 0 ? invocation->positional.size() == spec->positionalCount
                                                    : invocation->positional.size() <= -spec->positionalCount;
    if (!invocation->help && !countOk) {
        *error = spec->positionalCount == 0
            ? QStringLiteral("%1 takes no arguments").arg(invocation->command)
            : QStringLiteral("%1 needs %2").arg(invocation->command, QLatin1String(spec->arguments));
        return ExitUsage;
    }
    return ExitOk;
}

int runCommand(const Invocation &invocation)
{
    if (invocation.help) {
        std::fputs(usageText(invocation.command).toUtf8().constData(), stdout);
        return ExitOk;
    }
    Context context(invocation);
    const QString &c = invocation.command;
    if (c == QLatin1String("init"))
        return cmdInit(context);
    if (c == QLatin1String("seed-demo"))
        return cmdSeedDemo(context);
    if (c == QLatin1String("add-user"))
        return cmdAddUser(context);
    if (c == QLatin1String("login"))
        return cmdLogin(context);
    if (c == QLatin1String("refresh"))
        return cmdRefresh(context);
    if (c == QLatin1String("logout"))
        return cmdLogout(context);
    if (c == QLatin1String("revoke-family"))
        return cmdRevokeFamily(context);
    if (c == QLatin1String("revoke-user"))
        return cmdRevokeUser(context);
    if (c == QLatin1String("deactivate-user"))
        return cmdSetActive(context, false);
    if (c == QLatin1String("activate-user"))
        return cmdSetActive(context, true);
    if (c == QLatin1String("users"))
        return cmdList(context, Table::Users);
    if (c == QLatin1String("devices"))
        return cmdList(context, Table::Devices);
    if (c == QLatin1String("families"))
        return cmdList(context, Table::Families);
    if (c == QLatin1String("family"))
        return cmdFamily(context);
    if (c == QLatin1String("what-if"))
        return cmdWhatIf(context);
    if (c == QLatin1String("events"))
        return cmdList(context, Table::Events);
    if (c == QLatin1String("audit"))
        return cmdAudit(context);
    if (c == QLatin1String("policy"))
        return cmdPolicy(context);
    if (c == QLatin1String("purge"))
        return cmdPurge(context);
    if (c == QLatin1String("erase-user"))
        return cmdEraseUser(context);
    if (c == QLatin1String("simulate"))
        return cmdSimulate(context);
    if (c == QLatin1String("remove-simulated"))
        return cmdRemoveSimulated(context);
    return fail(ExitUsage, QStringLiteral("unknown command '%1'").arg(c));
}
