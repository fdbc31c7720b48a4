#include "Invariants.h"

#include "AdminService.h"
#include "Clock.h"
#include "Database.h"
#include "TestSupport.h"

#include <QStringList>

namespace rotor::test {

namespace {

// Runs a query that lists offenders; every row found is one problem.
void expectNoRows(Database &db, const char *what, const QString &sql, QStringList *problems)
{
    QList<QVariantList> rows;
    QString error;
    if (!queryRows(db, sql, {}, &rows, &error)) {
        problems->append(QStringLiteral("%1: cannot check: %2").arg(QLatin1String(what), error));
        return;
    }
    for (const QVariantList &row : rows) {
        QStringList values;
        for (const QVariant &value : row)
            values << value.toString();
        problems->append(QStringLiteral("%1: %2").arg(QLatin1String(what), values.join(QLatin1String(", "))));
    }
}

struct Column
{
    QString table;
    QString name;
    bool binary = false;
};

bool storedColumns(Database &db, QList<Column> *columns, QString *error)
{
    if (db.backend() == Backend::Postgres) {
        QList<QVariantList> rows;
        if (!queryRows(db,
                       QStringLiteral("SELECT c.table_name, c.column_name, c.data_type = 'bytea' "
                                      "FROM information_schema.columns c JOIN information_schema.tables t "
                                      "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
                                      "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
                                      "AND c.data_type IN ('text', 'character varying', 'character', 'bytea')"),
                       {}, &rows, error))
            return false;
        for (const QVariantList &row : rows)
            columns->append({row.at(0).toString(), row.at(1).toString(), row.at(2).toBool()});
        return true;
    }
    QList<QVariantList> tables;
    if (!queryRows(db,
                   QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"),
                   {}, &tables, error))
        return false;
    for (const QVariantList &table : tables) {
        QList<QVariantList> info;
        const QString name = table.first().toString();
        if (!queryRows(db, QStringLiteral("PRAGMA table_info(%1)").arg(name), {}, &info, error))
            return false;
        // SQLite stores any value in any column: scan every column, as text and as bytes.
        for (const QVariantList &column : info)
            columns->append(
                {name, column.at(1).toString(), column.at(2).toString().toUpper() == QLatin1String("BLOB")});
    }
    return true;
}

} // namespace

bool checkInvariants(Database &db, QString *failure)
{
    QStringList problems;
    if (!db.isOpen()) {
        *failure = QStringLiteral("the database is not open");
        return false;
    }

    expectNoRows(db, "two live tokens in family",
                 QStringLiteral("SELECT family_id, count(*) FROM refresh_tokens WHERE used_at IS NULL "
                                "AND revoked_at IS NULL GROUP BY family_id HAVING count(*) > 1"),
                 &problems);
    expectNoRows(db, "consumed token without a successor in a live family (token, family, generation)",
                 QStringLiteral("SELECT t.id, t.family_id, t.generation FROM refresh_tokens t "
                                "JOIN token_families f ON f.id = t.family_id "
                                "WHERE t.used_at IS NOT NULL AND f.revoked_at IS NULL AND NOT EXISTS ("
                                "SELECT 1 FROM refresh_tokens s WHERE s.parent_id = t.id "
                                "AND s.family_id = t.family_id AND s.generation = t.generation + 1)"),
                 &problems);
    expectNoRows(db, "successor not in its parent's family at the next generation (token, parent)",
                 QStringLiteral("SELECT s.id, p.id FROM refresh_tokens s JOIN refresh_tokens p ON p.id = s.parent_id "
                                "WHERE s.family_id <> p.family_id OR s.generation <> p.generation + 1"),
                 &problems);
    expectNoRows(db, "live token in a revoked family (token, family)",
                 QStringLiteral("SELECT t.id, t.family_id FROM refresh_tokens t "
                                "JOIN token_families f ON f.id = t.family_id WHERE f.revoked_at IS NOT NULL "
                                "AND t.used_at IS NULL AND t.revoked_at IS NULL"),
                 &problems);

    const SystemClock clock;
    AdminService admin(db, clock, {QStringLiteral("invariant-check"), QStringLiteral("tests")});
    AuditVerification audit;
    QString error;
    if (!admin.verifyAudit(&audit, &error))
        problems << QStringLiteral("audit chain: cannot verify: %1").arg(error);
    else if (!audit.intact)
        problems << QStringLiteral("audit chain broken at entry %1: %2").arg(audit.firstBrokenId).arg(audit.problem);

    QList<Column> columns;
    if (!storedColumns(db, &columns, &error)) {
        problems << QStringLiteral("raw token scan: %1").arg(error);
    } else {
        const bool postgres = db.backend() == Backend::Postgres;
        for (const Column &column : columns) {
            QString condition;
            if (postgres) {
                condition = column.binary ? QStringLiteral("substring(%1 from 1 for 4) = CAST('rtr_' AS bytea)")
                                          : QStringLiteral("strpos(%1, 'rtr_') > 0");
            } else {
                condition = column.binary ? QStringLiteral("substr(%1, 1, 4) = CAST('rtr_' AS BLOB)")
                                          : QStringLiteral("instr(CAST(%1 AS TEXT), 'rtr_') > 0");
            }
            expectNoRows(db, "raw token stored (table.column, rows)",
                         QStringLiteral("SELECT '%1.%2', count(*) FROM %1 WHERE %3 HAVING count(*) > 0")
                             .arg(column.table, column.name, condition.arg(column.name)),
                         &problems);
        }
    }

    if (db.backend() == Backend::Sqlite) {
        const QString integrity = scalar(db, QStringLiteral("PRAGMA integrity_check"), {}, &error).toString();
        if (integrity != QLatin1String("ok"))
            problems << QStringLiteral("integrity_check: %1 %2").arg(integrity, error);
    }

    if (problems.isEmpty())
        return true;
    *failure = QStringLiteral("invariants violated (%1):\n  ").arg(backendName(db.backend()))
        + problems.join(QLatin1String("\n  "));
    return false;
}

} // namespace rotor::test
