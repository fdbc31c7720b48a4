#pragma once

#include "Catalog.h"

#include <QCoreApplication>
#include <QIcon>
#include <QString>
#include <QVariant>

namespace rotor {

// How the console shows what the Catalog returns: translated column titles, values formatted for the user's
// locale, and state icons. Models, detail panes and copy all use it, so a value reads the same everywhere.
class Presentation
{
    Q_DECLARE_TR_FUNCTIONS(Presentation)

public:
    static QString columnTitle(Table table, int column);
    // A value as the user reads it (times and numbers in the locale's format, flags and states as words).
    static QString displayText(Table table, int column, const QVariant &value);
    // A longer form for tooltips (full time with seconds and zone, untruncated text).
    static QString toolTip(Table table, int column, const QVariant &value);
    static QIcon decoration(Table table, int column, const QVariant &value);
    static bool isNumeric(Table table, int column);

    static QString formatTime(qint64 msSinceEpoch);
    static QString formatLongTime(qint64 msSinceEpoch);
    static QString formatCount(qint64 count);

    static QString familyStateText(const QString &state);
    static QString eventKindText(const QString &kind);
    static QString revokeReasonText(const QString &reason);
    // same_client / second_party (core/Verdict.h) as an administrator reads them.
    static QString verdictText(const QString &verdict);
    static QStringList eventKinds();

    // "12,345 sessions": a count of a table's rows, with the right plural.
    static QString rowCountText(Table table, qint64 count);
    static QString tableTitle(Table table);
};

namespace icons {
// An icon from resources/icons (compiled in under :/icons).
QIcon named(const char *name);
} // namespace icons

} // namespace rotor
