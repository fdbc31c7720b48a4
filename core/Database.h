#pragma once

#include "ConnectionSpec.h"
#include "Policy.h"

#include <QByteArrayView>
#include <QElapsedTimer>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlError>
#include <QString>
#include <QVariant>

#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

class QSqlQuery;
class QThread;
struct sqlite3;
struct pg_cancel;
struct sqlite3_stmt;

namespace rotor {

// Stops the statement a connection is running, from another thread: the one exception to "a connection is used only
// by the thread that opened it" (DESIGN.md, Console). SQLite's sqlite3_interrupt() and libpq's PQcancel() are made to
// be called from another thread; everything else about the connection stays its own thread's. The handle's lifetime
// is guarded by a mutex: the owning thread arms the interrupter after each (re)open and disarms it before it closes,
// under that mutex, so an interrupt never meets a closed or half-opened connection. A connection between statements
// is left alone (SQLite ignores an interrupt when nothing runs; PostgreSQL ignores a cancel that reaches an idle
// backend), but a caller that may race with the next statement must decide under its own lock what it interrupts
// (DatabaseWorker does: only a job it knows is stale).
class StatementInterrupter
{
public:
    StatementInterrupter() = default;
    ~StatementInterrupter();
    StatementInterrupter(const StatementInterrupter &) = delete;
    StatementInterrupter &operator=(const StatementInterrupter &) = delete;

    // Any thread. false if the connection is not open (nothing to interrupt) or the cancel request could not be sent.
    bool interrupt();

private:
    friend class Database;
    // The owning thread, after a connection opened: takes what an interrupt needs from the driver's handle.
    void arm(const QVariant &driverHandle);
    // The owning thread, before the connection closes.
    void disarm();

    std::mutex m_mutex;
    sqlite3 *m_sqlite = nullptr;
    pg_cancel *m_pgCancel = nullptr; // PQgetCancel()'s copy of what a cancel request needs; freed on disarm
};

// One open connection to a Rotor database, owned and used by exactly one thread (Qt SQL connections must not
// cross threads). A program that works from several threads gives each its own Database.
//
// Opening checks what is there before anything is written: a non-SQLite or corrupt file, a SQLite file that is
// not Rotor's, or a schema newer than this program is refused with a clear message and left byte-identical.
// Older schemas are upgraded with the numbered migrations in resources/sql/<backend>/, one transaction each.
class Database
{
public:
    enum class OpenMode { OpenExisting, CreateIfMissing };
    enum class ErrorKind { None, Transient, ConnectionLost, ReadOnly, Other };

    explicit Database(const ConnectionSpec &spec);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // targetVersion < 0 means "the newest this program knows"; tests use lower values to build old schemas.
    bool open(OpenMode mode, QString *error, int targetVersion = -1);
    void close();
    bool isOpen() const;

    const ConnectionSpec &spec() const { return m_spec; }
    Backend backend() const { return m_spec.backend; }
    bool isPostgres() const { return m_spec.backend == Backend::Postgres; }
    bool isReadOnly() const { return m_spec.readOnly; }
    int schemaVersion() const { return m_schemaVersion; }
    static int latestSchemaVersion();

    struct Binding
    {
        const char *name; // ":now"
        QVariant value;
    };
    // A prepared statement for this connection, cached by the address of its text (a string literal), so a hot
    // path prepares once per connection. Returns nullptr and sets error if it cannot be prepared.
    QSqlQuery *prepared(const char *sql, QString *error);
    // Binds by name and executes a cached prepared statement. The caller calls finish() once it has read the rows.
    // A null QString is bound as '' (text columns are NOT NULL); pass QVariant() for SQL NULL.
    QSqlQuery *run(const char *sql, std::initializer_list<Binding> values, QString *error);
    // The value to bind for v: a null QString becomes '' (an explicit typed-null QVariant stays NULL).
    static QVariant bindable(const QVariant &value);
    enum class Fetch { Row, End, Failed };
    // Moves query to its next row. A read that fails is reported as a failure (error set, lastError() updated),
    // never taken for "no more rows": a storage error must not turn into an outcome.
    Fetch fetch(QSqlQuery *query, QString *error);
    // PostgreSQL: runs sql (named :placeholders, a string literal like run()'s) through libpq itself, prepared once
    // per connection, with binary bytea and text values, on this connection's own PGconn. The hot path's one round
    // trip without QPSQL's per-call cost (it writes the values into an EXECUTE text and reads text back). Only
    // between Qt statements, never while one is active; the PGconn is taken from the driver at each call, never
    // kept, so a reconnect (a new PGconn) simply prepares again. rows: each column as text, SQL NULL as a null
    // QByteArray. Failures are recorded like run()'s (lastError(), recover()).
    struct NativeBinding
    {
        const char *name; // "now" for :now
        QByteArray value;
        bool binary = false; // bytea as raw bytes; otherwise the value's text
    };
    bool runNative(const char *sql, std::initializer_list<NativeBinding> values, QList<QList<QByteArray>> *rows,
                   QString *error);
    // SQLite: a statement run through SQLite's C API on this connection's own sqlite3 handle (sqliteStatement()),
    // without Qt's per-call cost (a QVariant per value bound by name and per value read). Values are bound by name
    // and not copied: they must stay alive until the statement is stepped and finished.
    class SqliteStatement
    {
    public:
        SqliteStatement(const SqliteStatement &) = delete;
        SqliteStatement &operator=(const SqliteStatement &) = delete;
        ~SqliteStatement();

        void bind(const char *name, qint64 value); // name with its colon: ":now"
        void bindBlob(const char *name, QByteArrayView bytes);
        void bindText(const char *name, QByteArrayView utf8);
        // Runs a statement that returns no rows and resets it at once.
        bool exec(QString *error);
        // Moves to the next row; a failed step is reported as a failure (error set, lastError() updated), never taken
        // for "no more rows".
        Fetch next(QString *error);
        // Ends the statement's read and drops its bindings.
        void finish();
        bool isNull(int column) const;
        qint64 int64(int column) const;
        QByteArrayView blob(int column) const; // valid until the next step or finish()
        QString text(int column) const;
        // Rows changed by the last exec().
        qint64 changes() const;

    private:
        friend class Database;
        explicit SqliteStatement(Database *owner)
            : m_owner(owner)
        { }
        bool failed(QString *error);

        Database *m_owner;
        sqlite3_stmt *m_statement = nullptr;
    };
    // SQLite: sql (named :placeholders, a string literal like run()'s) prepared once per connection on the sqlite3
    // handle of this connection's own QSQLITE driver, ready to bind. The rule for the handle is runNative()'s: taken
    // from the driver when a statement is prepared, used only by the thread that owns the connection, between Qt
    // statements; close() finalizes every such statement before the driver closes the handle, so a reopened
    // connection prepares again. Returns nullptr and sets error if it cannot be prepared.
    SqliteStatement *sqliteStatement(const char *sql, QString *error);
    // Runs an ad-hoc statement (migrations, session settings, BEGIN/COMMIT).
    bool exec(const QString &sql, QString *error);
    // Prepares and runs an ad-hoc statement (one built at run time, not cached) on query, binding the values whose
    // names the text contains. A lost connection is reopened for the next statement.
    bool execute(QSqlQuery &query, const QString &sql, const QVariantMap &values, QString *error);
    // Records a failure of a statement run outside this class as lastError(), describes it in error; returns false.
    bool fail(const QSqlError &sqlError, QString *error);
    // The last statement failure seen through run(), exec(), fetch() or fail(); cleared by transact().
    const QSqlError &lastError() const { return m_lastError; }

    enum class Step { Commit, Abort, Retry };
    // Runs body inside a write transaction. On SQLite the connections of this process to one file take turns on a
    // shared lock first, so they never meet on SQLite's own lock (whose busy handler sleeps). A transient failure
    // (SQLite busy, PostgreSQL serialization failure or deadlock) or a lost connection retries the whole transaction a
    // bounded number of times; Abort rolls back. Commit means the body's work, including any error it records, is made
    // durable before transact returns. When the connection drops after COMMIT was sent (PostgreSQL), the transaction's
    // fate is looked up by its id before anything is retried: a committed body is reported as done, never run a second
    // time.
    bool transact(const std::function<Step(QString *error)> &body, QString *error);
    // SQLite: runs work in a write transaction shared by this process's writers of the file (group commit). Callers
    // queue their work; one of them, whichever finds no transaction under way, takes the process's turn at the file,
    // runs every piece queued so far on its own connection, each inside a savepoint of one BEGIN IMMEDIATE transaction,
    // commits once and hands each caller its own result and error. The others wait on a condition, never in a sleep,
    // and n waiting callers cost one commit (one flush to disk) instead of n. work therefore runs on the leading
    // thread: it must use writer (that thread's own connection), never the caller's Database, and may read the
    // caller's data, since the caller waits until it is done. work returns false (error set) to undo its writes and
    // fail; true keeps them, and this returns true once they are committed. A failed commit fails every piece.
    bool writeShared(const std::function<bool(Database &writer, QString *error)> &work, QString *error);
    // Reopens a connection that was lost (PostgreSQL); false with a clear error while the server is still away.
    // Statements run through this class call it themselves; code that builds its own QSqlQuery calls it first.
    bool ensureOpen(QString *error);
    // The deployment's policy as stored. This connection keeps a copy and reads the row again once the copy is older
    // than Policy::policyRefreshMs, so a change made anywhere is in force everywhere within that bound. The policy is
    // configuration, not session state: nothing about tokens, families or users is kept.
    bool policy(Policy *policy, QString *error);
    // Drops the copy: the next policy() reads the row (after this connection changed it).
    void forgetPolicy() { m_policyAge.invalidate(); }

    // Writes are refused up front on a read-only connection; the message says why.
    bool refuseIfReadOnly(QString *error) const;

    // A write transaction: BEGIN IMMEDIATE on SQLite (the writer lock up front, so no upgrade deadlocks),
    // BEGIN on PostgreSQL, which also learns the transaction's id in the same round trip.
    bool beginWrite(QString *error);
    // How many write transactions this connection has begun (migrations and transact() included): a read shows that
    // it opened none by leaving this unchanged.
    quint64 writeTransactionsBegun() const { return m_writeTransactionsBegun; }
    // A read-only transaction whose reads all see one snapshot (exports page through it consistently).
    bool beginRead(QString *error);
    bool commit(QString *error);
    void rollback();

    // Classifies the last failure; reconnects when the connection was lost so the next attempt can work.
    // ConnectionLost means it was lost and is open again; if the server is still away the result is Other, and
    // the next statement tries to reconnect (at most one connect timeout per attempt).
    ErrorKind recover(const QSqlError &error);
    static QString describe(const QSqlError &error);

    QSqlDatabase handle() const { return m_db; }
    QString connectionName() const { return m_connectionName; }

    // What another thread may hold to interrupt this connection's running statement (see StatementInterrupter). The
    // same object for the life of this Database, across reconnects.
    std::shared_ptr<StatementInterrupter> interrupter() const { return m_interrupter; }
    // The statement was stopped by an interrupt (SQLite) or a cancel request (PostgreSQL), not by a fault of its own.
    static bool isInterruption(const QSqlError &error);
    // How many statements on this connection were interrupted so far (a job can tell whether one of its was).
    int interruptedStatements() const { return m_interruptedStatements; }

private:
    bool openSqlite(OpenMode mode, QString *error, int targetVersion);
    bool openPostgres(OpenMode mode, QString *error, int targetVersion);
    // immutable: a read-only look at a SQLite file that no one has open (no -wal), which creates no side files.
    bool openConnection(QString *error, bool immutable = false);
    // Opens m_db and arms the interrupter; closes it (disarmed first).
    bool openHandle();
    void closeHandle();
    bool migrate(int targetVersion, QString *error);
    bool readPostgresVersion(QString *error);
    bool applySessionSettings(QString *error);
    // Runs a statement cached by prepared() that returns no rows, and resets it at once.
    bool execPrepared(const char *sql, QString *error);
    void clearStatements();
    enum class CommitFate { Committed, Aborted, Unknown };
    // After a lost connection was reopened: what became of the transaction whose COMMIT had no answer.
    CommitFate lostCommitFate(QString *error);

    ConnectionSpec m_spec;
    QString m_connectionName;
    QSqlDatabase m_db;
    QThread *m_thread = nullptr;
    int m_schemaVersion = 0;
    QSqlError m_lastError;
    QString m_transactionId; // of the open write transaction (PostgreSQL)
    Policy m_policy;
    QElapsedTimer m_policyAge; // invalid: not read yet
    std::unique_ptr<QHash<const char *, QSqlQuery *>> m_statements;
    struct NativeStatement
    {
        QByteArray name; // rotor_native_<n>
        std::string text; // with $1, $2, ...
        std::vector<std::string> names;
        int preparedOnConnection = -1; // m_connectionGeneration it was prepared on
    };
    std::unique_ptr<QHash<const char *, NativeStatement>> m_nativeStatements;
    std::unique_ptr<QHash<const char *, SqliteStatement *>> m_sqliteStatements;
    int m_connectionGeneration = 0; // counts (re)opened connections
    quint64 m_writeTransactionsBegun = 0;
    std::shared_ptr<StatementInterrupter> m_interrupter;
    int m_interruptedStatements = 0;
    QString m_openError; // why the last open() failed: every statement on a connection that never opened says so
    // SQLite: what this process's connections to the same file share: the turn at SQLite's write lock (transact()
    // holds it per attempt, a shared transaction for its whole batch) and the queue of writeShared().
    struct ProcessWriters;
    struct SharedWork;
    std::shared_ptr<ProcessWriters> m_writers;
    static std::shared_ptr<ProcessWriters> writersOf(const QString &path);
    // Runs batch, the pieces of one shared transaction, on this connection; sets each piece's result.
    void writeBatch(const std::vector<SharedWork *> &batch);
};

} // namespace rotor
