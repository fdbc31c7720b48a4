#include "Output.h"

#include "RowFormat.h"

#include <QDateTime>
#include <QJsonDocument>

#include <cstdio>

namespace output {

using rotor::ColumnInfo;

QString rowsToText(rotor::Table table, const QList<QVariantList> &rows)
{
    const auto &columns = rotor::Catalog::columns(table);
    QList<int> shown;
    for (int i = 0; i < columns.size(); ++i) {
        if (!columns.at(i).hidden)
            shown << i;
    }
    QList<QStringList> cells;
    QStringList header;
    for (int i : shown)
        header << QString::fromLatin1(columns.at(i).key).toUpper();
    cells << header;
    for (const QVariantList &row : rows) {
        QStringList line;
        for (int i : shown) {
            const QVariant value = row.value(i);
            QString text;
            if (value.isNull())
                text = QStringLiteral("-");
            else if (columns.at(i).type == ColumnInfo::Type::Time)
                text = QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC)
                           .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
            else if (columns.at(i).type == ColumnInfo::Type::Bool)
                text = value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
            else if (columns.at(i).type == ColumnInfo::Type::Hash)
                text = value.toString().left(16);
            else
                text = value.toString().simplified();
            if (text.size() > 48)
                text = text.left(47) + QChar(0x2026);
            line << text;
        }
        cells << line;
    }
    QList<int> widths(shown.size(), 0);
    for (const QStringList &line : cells) {
        for (int i = 0; i < line.size(); ++i)
            widths[i] = qMax(widths[i], int(line.at(i).size()));
    }
    QString text;
    for (const QStringList &line : cells) {
        QString out;
        for (int i = 0; i < line.size(); ++i)
            out += (i + 1 < line.size() ? line.at(i).leftJustified(widths[i] + 2) : line.at(i));
        text += out.trimmed() + QLatin1Char('\n');
    }
    return text;
}

void printLine(const QString &text)
{
    std::fputs(text.toUtf8().constData(), stdout);
    std::fputc('\n', stdout);
}

void printJson(const QJsonValue &value)
{
    QJsonDocument document = value.isArray() ? QJsonDocument(value.toArray()) : QJsonDocument(value.toObject());
    std::fputs(document.toJson(QJsonDocument::Indented).constData(), stdout);
}

} // namespace output
