#include "RecentConnections.h"

#include "ConsoleSettings.h"

#include <QSettings>

namespace rotor {

namespace {

bool sameLocation(const ConnectionSpec &a, const ConnectionSpec &b)
{
    return a.backend == b.backend && a.displayName() == b.displayName();
}

} // namespace

QList<ConnectionSpec> RecentConnections::load()
{
    QSettings settings;
    QList<ConnectionSpec> specs;
    const int size = settings.beginReadArray(settings::recentConnectionsKey());
    for (int i = 0; i < size; ++i) {
        settings.setArrayIndex(i);
        ConnectionSpec spec;
        spec.readOnly = settings.value(settings::recentReadOnlyKey(), false).toBool();
        QString error;
        if (ConnectionSpec::parse(settings.value(settings::recentLocationKey()).toString(), &spec, &error))
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
    settings.remove(settings::recentConnectionsKey());
    settings.beginWriteArray(settings::recentConnectionsKey(), int(specs.size()));
    for (int i = 0; i < specs.size(); ++i) {
        settings.setArrayIndex(i);
        // displayName() never includes the password.
        settings.setValue(settings::recentLocationKey(), specs.at(i).displayName());
        settings.setValue(settings::recentReadOnlyKey(), specs.at(i).readOnly);
    }
    settings.endArray();
    settings.sync();
}

} // namespace rotor
