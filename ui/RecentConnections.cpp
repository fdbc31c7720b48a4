#include "RecentConnections.h"

#include <QSettings>

namespace rotor {

namespace {

// The one place these settings keys are spelled.
constexpr char groupKey[] = "recentConnections";
constexpr char locationKey[] = "location";
constexpr char readOnlyKey[] = "readOnly";

bool sameLocation(const ConnectionSpec &a, const ConnectionSpec &b)
{
    return a.backend == b.backend && a.displayName() == b.displayName();
}

} // namespace

QList<ConnectionSpec> RecentConnections::load()
{
    QSettings settings;
    QList<ConnectionSpec> specs;
    const int size = settings.beginReadArray(QLatin1String(groupKey));
    for (int i = 0; i < size; ++i) {
        settings.setArrayIndex(i);
        ConnectionSpec spec;
        spec.readOnly = settings.value(QLatin1String(readOnlyKey), false).toBool();
        QString error;
        if (ConnectionSpec::parse(settings.value(QLatin1String(locationKey)).toString(), &spec, &error))
            specs.append(spec);
    }
    settings.endArray();
    return specs;
}

void RecentConnections::remember(const ConnectionSpec &spec)
{
    QList<ConnectionSpec> specs = load();
    specs.removeIf([&spec](const ConnectionSpec &other) { return sameLocation(spec, other); });
    specs.prepend(spec);
    while (specs.size() > maximumEntries)
        specs.removeLast();
    save(specs);
}

void RecentConnections::forget(const ConnectionSpec &spec)
{
    QList<ConnectionSpec> specs = load();
    specs.removeIf([&spec](const ConnectionSpec &other) { return sameLocation(spec, other); });
    save(specs);
}

void RecentConnections::clear()
{
    save({});
}

void RecentConnections::save(const QList<ConnectionSpec> &specs)
{
    QSettings settings;
    settings.remove(QLatin1String(groupKey));
    settings.beginWriteArray(QLatin1String(groupKey), int(specs.size()));
    for (int i = 0; i < specs.size(); ++i) {
        settings.setArrayIndex(i);
        // displayName() never includes the password.
        settings.setValue(QLatin1String(locationKey), specs.at(i).displayName());
        settings.setValue(QLatin1String(readOnlyKey), specs.at(i).readOnly);
    }
    settings.endArray();
    settings.sync();
}

} // namespace rotor
