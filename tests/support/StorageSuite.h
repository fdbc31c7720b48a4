#pragma once

#include "TestSupport.h"

#include <QObject>

#include <memory>

namespace rotor::test {

// The frame every storage suite shares: each test case starts on a fresh fixture (a new database at the newest
// schema), and whatever it did, the invariants of DESIGN.md are checked on that database when it ends.
// A suite that needs more set-up overrides init() and calls startFixture().
class StorageSuite : public QObject
{
    Q_OBJECT

protected:
    bool startFixture(QString *error, const Policy &policy = {});

    std::unique_ptr<StorageFixture> m_fx;

private slots:
    void initTestCase();
    void init();
    void cleanup();
};

} // namespace rotor::test
