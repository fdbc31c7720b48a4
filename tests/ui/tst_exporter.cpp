#include "AdminService.h"
#include "Catalog.h"
#include "Clock.h"
#include "Database.h"
#include "DemoSeeder.h"
#include "Exporter.h"

#include <QApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProgressDialog>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace rotor;

Q_DECLARE_METATYPE(rotor::Table)
Q_DECLARE_METATYPE(rotor::Exporter::Format)

namespace {

const QString awkwardName = QStringLiteral("Smith, \"Jo\"\nsecond line");

// A strict RFC 4180 reader: CRLF records, quoted fields with doubled quotes. Returns false on anything else.
bool parseCsv(const QByteArray &bytes, QList<QStringList> *records)
{
    const QString text = QString::fromUtf8(bytes);
    QStringList record;
    QString field;
    bool quoted = false;
    bool wasQuoted = false;
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (quoted) {
            if (c == QLatin1Char('"')) {
                if (i + 1 < text.size() && text.at(i + 1) == QLatin1Char('"')) {
                    field += c;
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
            continue;
        }
        if (c == QLatin1Char('"')) {
            if (!field.isEmpty() || wasQuoted)
                return false;
            quoted = wasQuoted = true;
        } else if (c == QLatin1Char(',')) {
            record << field;
            field.clear();
            wasQuoted = false;
        } else if (c == QLatin1Char('\r')) {
            if (i + 1 >= text.size() || text.at(i + 1) != QLatin1Char('\n'))
                return false;
            ++i;
            record << field;
            records->append(record);
            record.clear();
            field.clear();
            wasQuoted = false;
        } else if (c == QLatin1Char('\n')) {
            return false; // a bare LF outside quotes
        } else {
            field += c;
        }
    }
    return !quoted && record.isEmpty() && field.isEmpty();
}

// The expected text of a CSV cell, checked against the Catalog's typed value.
bool csvCellMatches(const ColumnInfo &column, const QVariant &value, const QString &cell, QString *why)
{
    if (value.isNull()) {
        *why = QStringLiteral("expected an empty field, got '%1'").arg(cell);
        return cell.isEmpty();
    }
    switch (column.type) {
    case ColumnInfo::Type::Integer:
        *why = QStringLiteral("integer %1 vs '%2'").arg(value.toLongLong()).arg(cell);
        return cell == QString::number(value.toLongLong());
    case ColumnInfo::Type::Time: {
        const QDateTime time = QDateTime::fromString(cell, Qt::ISODateWithMs);
        *why = QStringLiteral("time %1 vs '%2'").arg(value.toLongLong()).arg(cell);
        return cell.endsWith(QLatin1Char('Z')) && time.isValid() && time.toMSecsSinceEpoch() == value.toLongLong();
    }
    case ColumnInfo::Type::Bool:
        *why = QStringLiteral("flag vs '%1'").arg(cell);
        return cell == (value.toBool() ? QLatin1String("true") : QLatin1String("false"));
    case ColumnInfo::Type::Text:
    case ColumnInfo::Type::Hash:
        break;
    }
    *why = QStringLiteral("text '%1' vs '%2'").arg(value.toString(), cell);
    return cell == value.toString();
}

bool jsonValueMatches(const ColumnInfo &column, const QVariant &value, const QJsonValue &json)
{
    if (value.isNull())
        return json.isNull();
    switch (column.type) {
    case ColumnInfo::Type::Integer:
        return json.isDouble() && qint64(json.toDouble()) == value.toLongLong();
    case ColumnInfo::Type::Time:
        return json.isString() && json.toString().endsWith(QLatin1Char('Z'))
            && QDateTime::fromString(json.toString(), Qt::ISODateWithMs).toMSecsSinceEpoch() == value.toLongLong();
    case ColumnInfo::Type::Bool:
        return json.isBool() && json.toBool() == value.toBool();
    case ColumnInfo::Type::Text:
    case ColumnInfo::Type::Hash:
        break;
    }
    return json.isString() && json.toString() == value.toString();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestExporter : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void matchesCatalog_data();
    void matchesCatalog();
    void quotesCommasQuotesAndNewlines();
    void followsTheFilterButNotThePage();
    void cancelLeavesNoFile();
    void cancelKeepsAnExistingFile();
    void unwritablePathFails();
    void formatFollowsTheExtension();
    void exportWithDialogRunsInTheBackground();

private:
    // Exports and waits for finished; returns its ok and error.
    bool runExport(Exporter &exporter, const ListRequest &request, const QString &path, Exporter::Format format,
                   QString *error, bool cancelAtOnce = false);
    QList<QVariantList> catalogRows(ListRequest request);

    QTemporaryDir m_dir;
    ConnectionSpec m_spec;
    std::unique_ptr<Database> m_db;
    SystemClock m_clock;
};

void TestExporter::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_spec = ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("export.sqlite")));
    m_db = std::make_unique<Database>(m_spec);
    QString error;
    QVERIFY2(m_db->open(Database::OpenMode::CreateIfMissing, &error), qPrintable(error));
    // Seeded in the past, so the Catalog's states (computed with the clock) are the same for the test and the export.
    ManualClock clock(QDateTime::currentMSecsSinceEpoch() - 3600 * 1000);
    DemoSeeder seeder(*m_db, clock);
    SeedOptions options;
    options.users = 500; // several pages of tokens (pageSize is 2000)
    SeedStats stats;
    QVERIFY2(seeder.seed(options, {}, &stats, &error), qPrintable(error));
    QVERIFY2(stats.tokens > Exporter::pageSize + Exporter::pageSize / 2, qPrintable(QString::number(stats.tokens)));
    AdminService admin(*m_db, clock, Actor {QStringLiteral("tester"), QStringLiteral("tst_exporter")});
    qint64 id = 0;
    QVERIFY2(admin.addUser(QStringLiteral("quote@example.com"), awkwardName, &id, &error), qPrintable(error));
}

QList<QVariantList> TestExporter::catalogRows(ListRequest request)
{
    request.offset = 0;
    request.limit = -1;
    Catalog catalog(*m_db, m_clock);
    QList<QVariantList> rows;
    QString error;
    if (!catalog.list(request, &rows, &error))
        qWarning("list failed: %s", qPrintable(error));
    return rows;
}

bool TestExporter::runExport(Exporter &exporter, const ListRequest &request, const QString &path,
                             Exporter::Format format, QString *error, bool cancelAtOnce)
{
    QSignalSpy finished(&exporter, &Exporter::finished);
    if (!exporter.start(request, path, format))
        return false;
    if (cancelAtOnce)
        exporter.cancel();
    if (!finished.wait(60000) || finished.size() != 1) {
        *error = QStringLiteral("no finished signal");
        return false;
    }
    *error = finished.at(0).at(1).toString();
    return finished.at(0).at(0).toBool();
}

void TestExporter::matchesCatalog_data()
{
    QTest::addColumn<Table>("table");
    QTest::addColumn<Exporter::Format>("format");
    const QList<std::pair<const char *, Table>> tables
        = {{"users", Table::Users},   {"devices", Table::Devices}, {"families", Table::Families},
           {"events", Table::Events}, {"audit", Table::Audit},     {"tokens", Table::Tokens}};
    for (const auto &[name, table] : tables) {
        QTest::addRow("%s csv", name) << table << Exporter::Format::Csv;
        QTest::addRow("%s json", name) << table << Exporter::Format::Json;
    }
}

void TestExporter::matchesCatalog()
{
    QFETCH(Table, table);
    QFETCH(Exporter::Format, format);
    ListRequest request;
    request.table = table;
    request.sortColumn = 1;
    request.descending = true;
    const QList<QVariantList> expected = catalogRows(request);
    QVERIFY(!expected.isEmpty());
    const QList<ColumnInfo> &columns = Catalog::columns(table);

    Exporter exporter(m_spec);
    QSignalSpy progress(&exporter, &Exporter::progress);
    const QString path
        = m_dir.filePath((format == Exporter::Format::Csv ? QStringLiteral("out.csv") : QStringLiteral("out.json")));
    QString error;
    QVERIFY2(runExport(exporter, request, path, format, &error), qPrintable(error));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toLongLong(), qint64(expected.size()));
    QCOMPARE(progress.last().at(1).toLongLong(), qint64(expected.size()));

    const QByteArray bytes = readFile(path);
    if (format == Exporter::Format::Csv) {
        QList<QStringList> records;
        QVERIFY(parseCsv(bytes, &records));
        QCOMPARE(records.size(), expected.size() + 1);
        QStringList keys;
        for (const ColumnInfo &column : columns)
            keys << QString::fromLatin1(column.key);
        QCOMPARE(records.first(), keys);
        for (int r = 0; r < expected.size(); ++r) {
            QCOMPARE(records.at(r + 1).size(), columns.size());
            for (int c = 0; c < columns.size(); ++c) {
                QString why;
                QVERIFY2(csvCellMatches(columns.at(c), expected.at(r).at(c), records.at(r + 1).at(c), &why),
                         qPrintable(
                             QStringLiteral("row %1 column %2: %3").arg(r).arg(QLatin1String(columns.at(c).key), why)));
            }
        }
    } else {
        QJsonParseError parseError;
        const QJsonDocument document = QJsonDocument::fromJson(bytes, &parseError);
        QVERIFY2(parseError.error == QJsonParseError::NoError, qPrintable(parseError.errorString()));
        QVERIFY(document.isArray());
        const QJsonArray array = document.array();
        QCOMPARE(array.size(), expected.size());
        for (int r = 0; r < expected.size(); ++r) {
            const QJsonObject object = array.at(r).toObject();
            QCOMPARE(object.size(), columns.size());
            for (int c = 0; c < columns.size(); ++c) {
                const QJsonValue value = object.value(QLatin1String(columns.at(c).key));
                QVERIFY2(jsonValueMatches(columns.at(c), expected.at(r).at(c), value),
                         qPrintable(QStringLiteral("row %1 column %2").arg(r).arg(QLatin1String(columns.at(c).key))));
            }
        }
    }
}

void TestExporter::quotesCommasQuotesAndNewlines()
{
    ListRequest request;
    request.table = Table::Users;
    request.text = QStringLiteral("quote@example.com");
    Exporter exporter(m_spec);
    const QString path = m_dir.filePath(QStringLiteral("quoted.csv"));
    QString error;
    QVERIFY2(runExport(exporter, request, path, Exporter::Format::Csv, &error), qPrintable(error));
    const QByteArray bytes = readFile(path);
    QVERIFY2(bytes.contains("\"Smith, \"\"Jo\"\"\nsecond line\""), bytes.constData());
    QVERIFY(bytes.startsWith("id,email,display_name,"));
    QList<QStringList> records;
    QVERIFY(parseCsv(bytes, &records));
    QCOMPARE(records.size(), 2);
    QCOMPARE(records.at(1).at(column::UserName), awkwardName);
    QCOMPARE(records.at(1).at(column::UserActive), QStringLiteral("true"));
}

void TestExporter::followsTheFilterButNotThePage()
{
    ListRequest request;
    request.table = Table::Families;
    request.state = QStringLiteral("revoked");
    request.offset = 5;
    request.limit = 3;
    const QList<QVariantList> expected = catalogRows(request);
    QVERIFY(expected.size() > 10);
    Exporter exporter(m_spec);
    const QString path = m_dir.filePath(QStringLiteral("revoked.json"));
    QString error;
    QVERIFY2(runExport(exporter, request, path, Exporter::Format::Json, &error), qPrintable(error));
    const QJsonArray array = QJsonDocument::fromJson(readFile(path)).array();
    QCOMPARE(array.size(), expected.size());
    for (const QJsonValue &value : array)
        QCOMPARE(value.toObject().value(QLatin1String("state")).toString(), QStringLiteral("revoked"));
}

void TestExporter::cancelLeavesNoFile()
{
    QTemporaryDir out;
    const QString path = out.filePath(QStringLiteral("cancelled.csv"));
    ListRequest request;
    request.table = Table::Tokens;
    Exporter exporter(m_spec);
    QString error;
    QVERIFY(!runExport(exporter, request, path, Exporter::Format::Csv, &error, true));
    QVERIFY(exporter.wasCancelled());
    QVERIFY(!error.isEmpty());
    QVERIFY(!QFile::exists(path));
    QVERIFY2(QDir(out.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::Hidden).isEmpty(),
             "a temporary file was left behind");

    // The same exporter works again afterwards.
    QVERIFY2(runExport(exporter, request, path, Exporter::Format::Csv, &error), qPrintable(error));
    QVERIFY(QFile::exists(path));
}

void TestExporter::cancelKeepsAnExistingFile()
{
    const QString path = m_dir.filePath(QStringLiteral("existing.json"));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("previous export\n");
    }
    ListRequest request;
    request.table = Table::Events;
    Exporter exporter(m_spec);
    QString error;
    QVERIFY(!runExport(exporter, request, path, Exporter::Format::Json, &error, true));
    QCOMPARE(readFile(path), QByteArray("previous export\n"));
}

void TestExporter::unwritablePathFails()
{
    ListRequest request;
    request.table = Table::Users;
    Exporter exporter(m_spec);
    QString error;
    const QString path = m_dir.filePath(QStringLiteral("no/such/folder/users.csv"));
    QVERIFY(!runExport(exporter, request, path, Exporter::Format::Csv, &error));
    QVERIFY(!exporter.wasCancelled());
    QVERIFY2(error.contains(QLatin1String("users.csv")), qPrintable(error));
    QVERIFY(!QFile::exists(path));

    Exporter missing(ConnectionSpec::sqlite(m_dir.filePath(QStringLiteral("absent.sqlite"))));
    QVERIFY(!runExport(missing, request, m_dir.filePath(QStringLiteral("x.csv")), Exporter::Format::Csv, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("absent.sqlite"))));
}

void TestExporter::formatFollowsTheExtension()
{
    QCOMPARE(Exporter::formatForPath(QStringLiteral("/tmp/a.json")), Exporter::Format::Json);
    QCOMPARE(Exporter::formatForPath(QStringLiteral("/tmp/a.JSON")), Exporter::Format::Json);
    QCOMPARE(Exporter::formatForPath(QStringLiteral("/tmp/a.csv")), Exporter::Format::Csv);
    QCOMPARE(Exporter::formatForPath(QStringLiteral("/tmp/a")), Exporter::Format::Csv);
}

void TestExporter::exportWithDialogRunsInTheBackground()
{
    QTemporaryDir out;
    // No extension typed, JSON filter chosen: the file gets .json and JSON content.
    QTimer::singleShot(0, this, [&out]() {
        auto *fileDialog = qobject_cast<QFileDialog *>(QApplication::activeModalWidget());
        QVERIFY(fileDialog);
        const QStringList filters = fileDialog->nameFilters();
        QCOMPARE(filters.size(), 2);
        fileDialog->selectNameFilter(filters.at(1));
        fileDialog->selectFile(out.filePath(QStringLiteral("families")));
        static_cast<QDialog *>(fileDialog)->accept(); // QFileDialog::accept, through the public base
    });
    ListRequest request;
    request.table = Table::Families;
    QWidget window;
    window.show();
    exportWithDialog(&window, m_spec, request);
    // exportWithDialog has returned while the export runs: a non-modal progress dialog, the window stays usable.
    auto *progress = window.findChild<QProgressDialog *>();
    QVERIFY(progress);
    QCOMPARE(progress->windowModality(), Qt::NonModal);
    QVERIFY(!QApplication::activeModalWidget());
    const QString path = out.filePath(QStringLiteral("families.json"));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(path), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(!window.findChild<QProgressDialog *>(), 10000);
    QCOMPARE(QJsonDocument::fromJson(readFile(path)).array().size(), catalogRows(request).size());
}

QTEST_MAIN(TestExporter)
#include "tst_exporter.moc"
