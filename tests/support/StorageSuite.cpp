#include "StorageSuite.h"

#include "Invariants.h"

#include <QTest>

namespace rotor::test {

bool StorageSuite::startFixture(QString *error, const Policy &policy)
{
    m_fx = std::make_unique<StorageFixture>(policy);
    return m_fx->setUp(error);
}

void StorageSuite::initTestCase()
{
    qInfo("backend: %s", qPrintable(backendName(selectedBackend())));
}

void StorageSuite::init()
{
    QString error;
    QVERIFY2(startFixture(&error), qPrintable(error));
}

void StorageSuite::cleanup()
{
    if (m_fx && m_fx->db && m_fx->db->isOpen()) {
        QString failure;
        QVERIFY2(checkInvariants(*m_fx->db, &failure), qPrintable(failure));
    }
    m_fx.reset();
}

} // namespace rotor::test
