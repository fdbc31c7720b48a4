#pragma once

#include "DemoSeeder.h"

#include <QString>

class QWidget;

namespace rotor {

// The demo database the console opens on first start. If a file exists at path, returns true at once and never
// touches it (existing data is never re-seeded). Otherwise creates it and fills it with DemoSeeder on a worker
// thread, showing a modal progress dialog while the event loop keeps running. Cancel (or a failure) removes the
// half-made file with its -wal/-shm companions and returns false; error is empty after a cancel.
bool ensureDemoDatabase(QWidget *parent, const QString &path, QString *error);

// The same with other demo sizes (tests, and a larger demo on request).
bool ensureDemoDatabase(QWidget *parent, const QString &path, const SeedOptions &options, QString *error);

// The sizes of the first-start demo: about 2000 users with the seeder's default sessions and chains.
SeedOptions defaultDemoOptions();

} // namespace rotor
