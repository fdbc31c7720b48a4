#include "ConnectionSpec.h"
#include "DemoBootstrap.h"
#include "MainWindow.h"
#include "Paths.h"
#include "Presentation.h"
#include "SimulatorPage.h"
#include "Translations.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QLocale>
#include <QMessageBox>

#include <cstdio>

namespace {

// --lang has to be known before the translations are loaded, and they before the options' help texts are made.
QString languageFromArguments(const QStringList &arguments)
{
    const QString name = QStringLiteral("--lang");
    for (int i = 1; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--"))
            break;
        if (argument == name && i + 1 < arguments.size())
            return arguments.at(i + 1);
        if (argument.startsWith(name + QLatin1Char('=')))
            return argument.mid(name.size() + 1);
    }
    return QString();
}

void printError(const QString &message)
{
    std::fprintf(stderr, "rotor-console: %s\n", message.toLocal8Bit().constData());
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Rotor Console"));
    QApplication::setOrganizationName(QStringLiteral("Rotor"));
    QApplication::setApplicationVersion(QStringLiteral(ROTOR_VERSION));
    QApplication::setWindowIcon(rotor::icons::named("rotor"));

    const QString language = languageFromArguments(QApplication::arguments());
    if (!language.isEmpty())
        QLocale::setDefault(QLocale(language)); // numbers and dates follow the chosen language too
    rotor::translations::install(&app, QLocale());

    // The window is made first: its registered pages are what --view can name.
    rotor::MainWindow window;
    const QString pageNames = window.pageIds().join(QStringLiteral(", "));

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
    const QCommandLineOption viewOption(QStringLiteral("view"),
                                        QApplication::translate("main", "Start on this page: %1.").arg(pageNames),
                                        QApplication::translate("main", "NAME"));
    const QCommandLineOption familyOption(
        QStringLiteral("select-family"),
        QApplication::translate("main", "Open the session with this ID, selected, with its chain timeline."),
        QApplication::translate("main", "ID"));
    const QCommandLineOption userOption(QStringLiteral("select-user"),
                                        QApplication::translate("main", "Open the user with this email, selected."),
                                        QApplication::translate("main", "EMAIL"));
    const QCommandLineOption languageOption(
        QStringLiteral("lang"),
        QApplication::translate("main", "Use this language instead of the system's (for example de, fr, en_US)."),
        QApplication::translate("main", "CODE"));
    parser.addOption(databaseOption);
    parser.addOption(readOnlyOption);
    parser.addOption(viewOption);
    parser.addOption(familyOption);
    parser.addOption(userOption);
    const QCommandLineOption simulateOption(
        QStringLiteral("simulate"),
        QApplication::translate("main",
                                "Open the Simulator and play this scenario to the end in a scratch database "
                                "(stolen-token, theft-inside-grace, lost-response, second-tab, expiry, "
                                "revoked-while-in-use)."),
        QApplication::translate("main", "SCENARIO"));
    parser.addOption(languageOption);
    parser.addOption(simulateOption);
    parser.process(app);

    if (parser.isSet(viewOption) && !window.showPage(parser.value(viewOption))) {
        printError(QApplication::translate("main", "unknown page '%1' (known pages: %2)")
                       .arg(parser.value(viewOption), pageNames));
        return 2;
    }
    if (parser.isSet(simulateOption)) {
        auto *simulator = qobject_cast<rotor::SimulatorPage *>(window.page(QStringLiteral("simulator")));
        if (!simulator || !simulator->play(parser.value(simulateOption))) {
            printError(QApplication::translate("main", "unknown scenario '%1'").arg(parser.value(simulateOption)));
            return 2;
        }
        window.showPage(QStringLiteral("simulator"));
    }
    qint64 familyId = 0;
    if (parser.isSet(familyOption)) {
        bool ok = false;
        familyId = parser.value(familyOption).toLongLong(&ok);
        if (!ok || familyId <= 0) {
            printError(QApplication::translate("main",
                                               "--select-family needs a session ID (a positive number), not "
                                               "'%1'")
                           .arg(parser.value(familyOption)));
            return 2;
        }
    }

    rotor::ConnectionSpec spec;
    QString error;
    bool haveConnection = true;
    if (parser.isSet(databaseOption)) {
        if (!rotor::ConnectionSpec::parse(parser.value(databaseOption), &spec, &error)) {
            printError(error);
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

    window.show();
    if (haveConnection)
        window.openConnection(spec);
    // Both wait for the connection; each opens its view.
    if (familyId > 0)
        window.selectFamily(familyId);
    if (parser.isSet(userOption))
        window.selectUser(parser.value(userOption));
    return app.exec();
}
