#pragma once

#include <QHash>
#include <QString>
#include <QStringList>

// rotorctl's exit codes (documented in the README).
enum ExitCode {
    ExitOk = 0,
    ExitFailed = 1, // the request could not be carried out: no such user or session, already revoked, ...
    ExitUsage = 2,
    ExitBadToken = 3, // malformed or unknown token
    ExitExpired = 4,
    ExitRevoked = 5, // family revoked or user inactive
    ExitReplay = 6,
    ExitDatabase = 7, // cannot open, newer schema, not a Rotor database, storage failure
    ExitKey = 8,
};

struct Invocation
{
    QString command;
    QStringList positional;
    QHash<QString, QString> options; // "--name" -> value ("" for flags)
    QString database;
    QString keyFile;
    bool json = false;
    bool help = false;
};

// Parses global options (--db, --key-file, --json, --help) anywhere on the line, then the subcommand's own.
// Returns ExitOk or ExitUsage with the message in error.
int parseArguments(const QStringList &arguments, Invocation *invocation, QString *error);
int runCommand(const Invocation &invocation);
QString usageText(const QString &command = QString());
