#pragma once

#include "Catalog.h"
#include "Clock.h"
#include "ConnectionSpec.h"
#include "Database.h"
#include "DemoSeeder.h"

#include <QDateTime>
#include <QTemporaryDir>
#include <QTest>

// A seeded SQLite database in a temporary folder, shared by the console's model and widget suites. The data is
// seeded against a clock set to now, so states computed with the system clock (active, expired) match it.
class UiTestDatabase
{
public:
    bool create(int users, QString *error)
    {
        if (!m_dir.isValid()) {
            *error = QStringLiteral("no temporary folder");
            return false;
        }
        m_spec = rotor::ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("console.sqlite")));
        rotor::Database db(m_spec);
        if (!db.open(rotor::Database::OpenMode::CreateIfMissing, error))
            return false;
        rotor::ManualClock clock(QDateTime::currentMSecsSinceEpoch());
        rotor::DemoSeeder seeder(db, clock);
        rotor::SeedOptions options;
        options.users = users;
        rotor::SeedStats stats;
        return seeder.seed(options, {}, &stats, error);
    }

    const rotor::ConnectionSpec &spec() const { return m_spec; }
    rotor::ConnectionSpec readOnlySpec() const
    {
        rotor::ConnectionSpec spec = m_spec;
        spec.readOnly = true;
        return spec;
    }

    // What the Catalog says directly, on the test's own connection: the reference the console is checked against.
    QList<QVariantList> list(const rotor::ListRequest &request)
    {
        QList<QVariantList> rows;
        QString error;
        if (!catalog().list(request, &rows, &error))
            qWarning("list failed: %s", qPrintable(error));
        return rows;
    }
    qint64 count(const rotor::ListRequest &request)
    {
        qint64 result = -1;
        QString error;
        if (!catalog().count(request, &result, &error))
            qWarning("count failed: %s", qPrintable(error));
        return result;
    }
    rotor::Database &db()
    {
        if (!m_db) {
            m_db = std::make_unique<rotor::Database>(m_spec);
            QString error;
            if (!m_db->open(rotor::Database::OpenMode::OpenExisting, &error))
                qWarning("open failed: %s", qPrintable(error));
        }
        return *m_db;
    }
    rotor::Catalog catalog() { return rotor::Catalog(db(), m_clock); }
    const rotor::Clock &clock() const { return m_clock; }

private:
    QTemporaryDir m_dir;
    rotor::ConnectionSpec m_spec;
    rotor::SystemClock m_clock;
    std::unique_ptr<rotor::Database> m_db;
};
