#include "Cli.h"

#include <QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("rotorctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ROTOR_VERSION));
    // Qt's own diagnostics are not for the user of a command-line tool; errors are printed as one clear line.
    qSetMessagePattern(QStringLiteral("rotorctl: %{message}"));
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
        if (type == QtFatalMsg || qEnvironmentVariableIsSet("ROTORCTL_DEBUG"))
            std::fprintf(stderr, "rotorctl: %s\n", message.toLocal8Bit().constData());
    });
    Invocation invocation;
    QString error;
    if (parseArguments(QCoreApplication::arguments().mid(1), &invocation, &error) != ExitOk) {
        // One line, like every other error, so that scripts can capture it whole.
        std::fprintf(stderr, "rotorctl: %s (try 'rotorctl --help')\n", error.toLocal8Bit().constData());
        return ExitUsage;
    }
    return runCommand(invocation);
}
