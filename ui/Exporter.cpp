#include "Exporter.h"

#include "Clock.h"
#include "DatabaseWorker.h"
#include "RowFormat.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLocale>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QSaveFile>
#include <QStandardPaths>

#include <limits>

namespace rotor {

namespace {

bool writeAll(QSaveFile &file, const QByteArray &bytes, QString *error)
{
    if (file.write(bytes) == bytes.size())
        return true;
    *error = Exporter::tr("cannot write %1: %2").arg(QDir::toNativeSeparators(file.fileName()), file.errorString());
    return false;
}

} // namespace

Exporter::Exporter(const ConnectionSpec &spec, QObject *parent)
    : QObject(parent)
    , m_spec(spec)
    , m_cancelled(std::make_shared<std::atomic<bool>>(false))
{
    // An export only reads.
    m_spec.readOnly = true;
}

Exporter::~Exporter()
{
    // Stops a running export at its next page; the worker's thread is joined before this object is gone, so
    // nothing is delivered to a dead object.
    m_cancelled->store(true);
    m_worker.reset();
}

Exporter::Format Exporter::formatForPath(const QString &path)
{
    return QFileInfo(path).suffix().compare(QLatin1String("json"), Qt::CaseInsensitive) == 0 ? Format::Json
                                                                                             : Format::Csv;
}

void Exporter::cancel()
{
    if (m_running)
        m_cancelled->store(true);
}

bool Exporter::start(const ListRequest &request, const QString &path, Format format)
{
    if (m_running)
        return false;
    m_running = true;
    m_cancelled->store(false);

    const auto finish = [this](const Result &result) {
        m_running = false;
        emit finished(result.ok, result.error);
    };
    const std::shared_ptr<std::atomic<bool>> cancelled = m_cancelled;
    // Runs on the worker's thread.
    auto job = [this, request, path, format, cancelled](Database &db) {
        Result result;
        QString &error = result.error;
        // One instant for the whole export, so a session's state cannot change between two pages.
        const ManualClock clock(SystemClock().nowMs());
        Catalog catalog(db, clock);
        if (!db.beginRead(&error))
            return result;
        const auto done = [&db, &result]() {
            db.rollback(); // the read transaction; nothing was written
            return result;
        };
        qint64 total = 0;
        if (!catalog.count(request, &total, &error))
            return done();
        QMetaObject::invokeMethod(
            this, [this, total]() { emit progress(0, total); }, Qt::QueuedConnection);

        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            error = tr("cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
            return done();
        }
        const QList<ColumnInfo> &columns = Catalog::columns(request.table);
        if (!writeAll(file, format == Format::Csv ? row_format::csvHeader(columns) : QByteArray("["), &error))
            return done();
        ListRequest page = request;
        page.limit = pageSize;
        page.offset = 0;
        qint64 written = 0;
        for (;;) {
            if (cancelled->load()) {
                file.cancelWriting();
                error = tr("the export was cancelled");
                return done();
            }
            QList<QVariantList> rows;
            if (!catalog.list(page, &rows, &error))
                return done();
            QByteArray bytes;
            for (const QVariantList &row : rows) {
                if (format == Format::Csv) {
                    bytes += row_format::csvRow(columns, row);
                } else {
                    bytes += written == 0 ? "\n  " : ",\n  ";
                    bytes += QJsonDocument(row_format::rowToJson(columns, row)).toJson(QJsonDocument::Compact);
                }
                ++written;
            }
            if (!writeAll(file, bytes, &error))
                return done();
            QMetaObject::invokeMethod(
                this, [this, written, total]() { emit progress(written, qMax(total, written)); }, Qt::QueuedConnection);
            if (rows.size() < pageSize)
                break;
            page.offset += pageSize;
        }
        if (format == Format::Json && !writeAll(file, written == 0 ? QByteArray("]\n") : QByteArray("\n]\n"), &error))
            return done();
        if (cancelled->load()) {
            file.cancelWriting();
            error = tr("the export was cancelled");
            return done();
        }
        if (!file.commit()) {
            error = tr("cannot save %1: %2").arg(QDir::toNativeSeparators(path), file.errorString());
            return done();
        }
        result.ok = true;
        return done();
    };
    const auto run = [this, job, finish]() { m_worker->run<Result>(this, job, finish); };

    if (m_worker) {
        run();
        return true;
    }
    m_worker = std::make_unique<DatabaseWorker>(m_spec);
    m_worker->open(Database::OpenMode::OpenExisting, this, [this, run, finish](bool ok, QString error) {
        if (!ok) {
            m_worker.reset(); // the next export tries to connect again
            finish({false, error});
            return;
        }
        run();
    });
    return true;
}

void exportWithDialog(QWidget *parent, const ConnectionSpec &spec, const ListRequest &request)
{
    const QString csvFilter = Exporter::tr("CSV files (*.csv)");
    const QString jsonFilter = Exporter::tr("JSON files (*.json)");
    QString selectedFilter = csvFilter;
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested
        = folder + QLatin1Char('/') + QLatin1String(Catalog::tableKey(request.table)) + QStringLiteral(".csv");
    QString path = QFileDialog::getSaveFileName(parent, Exporter::tr("Export"), suggested,
                                                csvFilter + QStringLiteral(";;") + jsonFilter, &selectedFilter);
    if (path.isEmpty())
        return;
    // The extension decides; without one, the chosen filter does (and its extension is added).
    if (QFileInfo(path).suffix().isEmpty())
        path += selectedFilter == jsonFilter ? QStringLiteral(".json") : QStringLiteral(".csv");
    const Exporter::Format format = Exporter::formatForPath(path);

    auto *exporter = new Exporter(spec, parent);
    auto *dialog = new QProgressDialog(parent);
    dialog->setWindowTitle(Exporter::tr("Export"));
    dialog->setLabelText(Exporter::tr("Exporting to %1...").arg(QFileInfo(path).fileName()));
    dialog->setWindowModality(Qt::NonModal); // the window stays usable while the export runs
    dialog->setRange(0, 0);
    dialog->setMinimumDuration(0);
    dialog->setAutoClose(false);
    dialog->setAutoReset(false);
    QObject::connect(dialog, &QProgressDialog::canceled, exporter, &Exporter::cancel);
    QObject::connect(exporter, &Exporter::progress, dialog, [dialog, path](qint64 done, qint64 total) {
        // Scaled to a fixed range: a row count may not fit in the int a progress bar takes.
        constexpr int steps = 1000;
        dialog->setRange(0, steps);
        dialog->setValue(total > 0 ? int(done * steps / total) : steps);
        const QLocale locale;
        dialog->setLabelText(Exporter::tr("Exporting to %1: %2 of %Ln rows", nullptr,
                                          int(qMin<qint64>(total, std::numeric_limits<int>::max())))
                                 .arg(QFileInfo(path).fileName(), locale.toString(done)));
    });
    QPointer<QWidget> window(parent);
    QObject::connect(exporter, &Exporter::finished, dialog, [exporter, dialog, window, path](bool ok, QString error) {
        QObject::disconnect(dialog, nullptr, exporter, nullptr);
        const bool cancelled = exporter->wasCancelled();
        dialog->hide();
        dialog->deleteLater();
        exporter->deleteLater();
        if (!ok && !cancelled)
            QMessageBox::warning(
                window, Exporter::tr("Export Failed"),
                Exporter::tr("Nothing was written to %1.\n\n%2").arg(QDir::toNativeSeparators(path), error));
    });
    dialog->show();
    exporter->start(request, path, format);
}

} // namespace rotor
