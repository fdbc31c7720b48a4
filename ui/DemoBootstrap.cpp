#include "DemoBootstrap.h"

#include "Clock.h"
#include "DatabaseWorker.h"

#include <QApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QLocale>
#include <QProgressDialog>

#include <atomic>
#include <memory>

namespace rotor {

namespace {

void removeDatabaseFiles(const QString &path)
{
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        QFile::remove(path + QLatin1String(suffix));
}

} // namespace

SeedOptions defaultDemoOptions()
{
    SeedOptions options;
    options.users = 2000;
    return options;
}

bool ensureDemoDatabase(QWidget *parent, const QString &path, QString *error)
{
    return ensureDemoDatabase(parent, path, defaultDemoOptions(), error);
}

bool ensureDemoDatabase(QWidget *parent, const QString &path, const SeedOptions &options, QString *error)
{
    error->clear();
    if (QFileInfo::exists(path))
        return true;
    // The database is built under a temporary name and renamed when complete, so a first start that is killed
    // half-way leaves nothing that the next start could mistake for a demo database.
    const QString partial = path + QStringLiteral(".partial");
    removeDatabaseFiles(partial);

    QProgressDialog dialog(parent);
    dialog.setWindowTitle(QApplication::translate("rotor::DemoBootstrap", "Rotor"));
    dialog.setLabelText(QApplication::translate("rotor::DemoBootstrap", "Creating the demo database...\n%1")
                            .arg(QDir::toNativeSeparators(path)));
    dialog.setWindowModality(Qt::ApplicationModal);
    dialog.setMinimumDuration(0);
    dialog.setAutoClose(false);
    dialog.setAutoReset(false);
    dialog.setRange(0, 0); // busy until the first progress report
    dialog.setMinimumWidth(420);

    auto cancelled = std::make_shared<std::atomic<bool>>(false);
    // The Cancel button, closing the window and Escape all mean the same.
    QObject::connect(&dialog, &QProgressDialog::canceled, &dialog, [cancelled]() { cancelled->store(true); });
    QObject::connect(&dialog, &QDialog::rejected, &dialog, [cancelled]() { cancelled->store(true); });

    QEventLoop loop;
    bool ok = false;
    QString failure;
    {
        DatabaseWorker worker(ConnectionSpec::sqlite(partial));
        const auto finish = [&](bool success, const QString &message) {
            ok = success;
            failure = message;
            loop.quit();
        };
        worker.open(Database::OpenMode::CreateIfMissing, &dialog, [&](bool opened, QString openError) {
            if (!opened) {
                finish(false, openError);
                return;
            }
            QProgressDialog *progressDialog = &dialog;
            worker.run<std::pair<bool, QString>>(
                &dialog,
                [options, cancelled, progressDialog](Database &db) {
                    if (cancelled->load())
                        return std::make_pair(false, QString());
                    const SystemClock clock;
                    DemoSeeder seeder(db, clock);
                    SeedStats stats;
                    QString seedError;
                    const bool seeded = seeder.seed(
                        options,
                        [cancelled, progressDialog](qint64 done, qint64 total) {
                            QMetaObject::invokeMethod(
                                progressDialog,
                                [progressDialog, done, total]() {
                                    const int scale = total > 0 ? int(qMin<qint64>(total, 1 << 30)) : 1;
                                    progressDialog->setRange(0, scale);
                                    progressDialog->setValue(int(done * scale / qMax<qint64>(total, 1)));
                                    progressDialog->setLabelText(
                                        QApplication::translate("rotor::DemoBootstrap",
                                                                "Creating the demo database: %1 of %2 users")
                                            .arg(QLocale().toString(done), QLocale().toString(total)));
                                },
                                Qt::QueuedConnection);
                            return !cancelled->load();
                        },
                        &stats, &seedError);
                    // A cancel is not an error to report: the user asked for it.
                    return std::make_pair(seeded, cancelled->load() && !seeded ? QString() : seedError);
                },
                [&](std::pair<bool, QString> result) { finish(result.first, result.second); });
        });
        dialog.show();
        loop.exec();
        // Leaving the block closes the connection and joins the worker's thread before any file is touched.
    }
    dialog.hide();
    // The last connection is closed, so SQLite has folded its write-ahead log into the file: one file to rename.
    if (ok && !QFile::exists(partial + QStringLiteral("-wal")) && QFile::rename(partial, path))
        return true;
    if (ok)
        failure = QApplication::translate("rotor::DemoBootstrap", "cannot move the new database to %1")
                      .arg(QDir::toNativeSeparators(path));
    removeDatabaseFiles(partial);
    *error = failure;
    if (failure.isEmpty() && !cancelled->load())
        *error = QApplication::translate("rotor::DemoBootstrap", "the demo database could not be created");
    return false;
}

} // namespace rotor
