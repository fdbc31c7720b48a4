#pragma once

#include "Catalog.h"
#include "ConnectionSpec.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QWidget;

namespace rotor {

class DatabaseWorker;

// Writes every row that matches a ListRequest (its offset and limit are ignored) to a CSV or JSON file, on a
// DatabaseWorker of its own, reading in pages of pageSize rows inside one read transaction (one consistent
// snapshot). The file is written through QSaveFile: it appears complete or not at all, never half-written after
// an error or a cancel.
//
// CSV: RFC 4180 (CRLF, quoted when needed), a header row of the columns' keys. JSON: an array of objects keyed by
// the columns' keys. Values follow row_format (as rotorctl --json): times in ISO 8601 UTC, flags true/false.
class Exporter : public QObject
{
    Q_OBJECT

public:
    enum class Format { Csv, Json };
    static constexpr int pageSize = 2000;

    explicit Exporter(const ConnectionSpec &spec, QObject *parent = nullptr);
    ~Exporter() override;

    // JSON for a .json file name, CSV otherwise.
    static Format formatForPath(const QString &path);

    // Starts an export; finished() follows exactly once. Returns false (and emits nothing) if one is running.
    bool start(const ListRequest &request, const QString &path, Format format);
    bool isRunning() const { return m_running; }
    bool wasCancelled() const { return m_cancelled->load(); }

public slots:
    // Stops at the next page; the target file is left as it was (or absent).
    void cancel();

signals:
    void progress(qint64 done, qint64 total);
    void finished(bool ok, const QString &error);

private:
    struct Result
    {
        bool ok = false;
        QString error;
    };

    ConnectionSpec m_spec;
    std::unique_ptr<DatabaseWorker> m_worker;
    std::shared_ptr<std::atomic<bool>> m_cancelled;
    bool m_running = false;
};

// Asks for a file (the format follows the chosen filter or extension), then exports in the background with a
// non-modal progress dialog that can cancel; the window stays usable meanwhile. Failures are reported in a
// message box.
void exportWithDialog(QWidget *parent, const ConnectionSpec &spec, const ListRequest &request);

} // namespace rotor
