#include "ConnectionSpec.h"
#include "DemoBootstrap.h"
#include "MainWindow.h"
#include "Paths.h"
#include "Presentation.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include <cstdio>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Rotor Console"));
    QApplication::setOrganizationName(QStringLiteral("Rotor"));
    QApplication::setApplicationVersion(QStringLiteral(ROTOR_VERSION));
    QApplication::setWindowIcon(rotor::icons::named("rotor"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main",
                                                             "Administer a Rotor database: users, devices, "
                                                             "sessions, security events and the audit log."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption databaseOption(
        QStringLiteral("db"),
        QApplication::translate("main", "SQLite file or postgresql://user@host:port/db (default: the demo database)."),
        QStringLiteral("PATH|URI"));
    const QCommandLineOption readOnlyOption(
        QStringLiteral("read-only"), QApplication::translate("main", "Open without the right to change anything."));
    parser.addOption(databaseOption);
    parser.addOption(readOnlyOption);
    parser.process(app);

    rotor::ConnectionSpec spec;
    QString error;
    bool haveConnection = true;
    if (parser.isSet(databaseOption)) {
        if (!rotor::ConnectionSpec::parse(parser.value(databaseOption), &spec, &error)) {
            std::fprintf(stderr, "rotor-console: %s\n", error.toLocal8Bit().constData());
            return 2;
        }
    } else {
        // First start: the demo database is made (and seeded, with progress) before the window opens on it.
        const QString demo = rotor::paths::defaultDemoDatabase();
        if (!rotor::ensureDemoDatabase(nullptr, demo, &error)) {
            if (!error.isEmpty())
                QMessageBox::critical(
                    nullptr, QApplication::translate("main", "Rotor Console"),
                    QApplication::translate("main", "The demo database could not be created: %1").arg(error));
            haveConnection = false;
        }
        spec = rotor::ConnectionSpec::sqlite(demo);
    }
    spec.readOnly = spec.readOnly || parser.isSet(readOnlyOption);

    rotor::MainWindow window;
    window.show();
    if (haveConnection)
        window.openConnection(spec);
    return app.exec();
}
