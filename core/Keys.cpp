#include "Keys.h"

#include "Crypto.h"
#include "Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

namespace rotor {

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("rotor::Keys", text);
}

bool decodeMaster(const QByteArray &text, QByteArray *master, QString *error, const QString &source)
{
    auto decoded = QByteArray::fromBase64Encoding(text.trimmed(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded) {
        *error = QCoreApplication::translate("rotor::Keys", "%1 is not valid base64").arg(source);
        return false;
    }
    *master = *decoded;
    return true;
}
} // namespace

bool Keys::fromMaster(const QByteArray &master, Keys *keys, QString *error)
{
    if (master.size() < minimumMasterBytes) {
        *error
            = tr("the master secret must be at least %1 bytes (it has %2)").arg(minimumMasterBytes).arg(master.size());
        return false;
    }
    keys->m_accessKey = crypto::hkdfSha256(master, {}, "rotor/access-token/hs256", 32);
    keys->m_rotationKey = crypto::hkdfSha256(master, {}, "rotor/refresh-token/successor", 32);
    if (!keys->isValid()) {
        *error = tr("deriving keys from the master secret failed");
        return false;
    }
    return true;
}

QString Keys::defaultKeyFile()
{
    return paths::defaultKeyFile();
}

bool Keys::load(const QString &explicitKeyFile, Keys *keys, QString *error)
{
    if (!explicitKeyFile.isEmpty())
        return loadFile(explicitKeyFile, keys, error);
    if (qEnvironmentVariableIsSet(environmentVariable)) {
        QByteArray master;
        return decodeMaster(qgetenv(environmentVariable), &master, error, QString::fromLatin1(environmentVariable))
            && fromMaster(master, keys, error);
    }
    return loadFile(defaultKeyFile(), keys, error);
}

bool Keys::loadFile(const QString &path, Keys *keys, QString *error)
{
    const QFileInfo info(path);
    if (!info.exists()) {
        *error = tr("no key file at %1 (create one with 'rotorctl init' or set %2)")
                     .arg(path, QString::fromLatin1(environmentVariable));
        return false;
    }
    const auto exposed = QFileDevice::ReadGroup | QFileDevice::WriteGroup | QFileDevice::ExeGroup
        | QFileDevice::ReadOther | QFileDevice::WriteOther | QFileDevice::ExeOther;
    if (info.permissions() & exposed) {
        *error = tr("the key file %1 is accessible to other users; restrict it with 'chmod 600 %1'").arg(path);
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read the key file %1: %2").arg(path, file.errorString());
        return false;
    }
    QByteArray master;
    return decodeMaster(file.read(4096), &master, error, tr("the key file %1").arg(path))
        && fromMaster(master, keys, error);
}

bool Keys::createKeyFile(const QString &path, QString *error)
{
    if (QFileInfo::exists(path)) {
        *error = tr("a key file already exists at %1; it was left as it is").arg(path);
        return false;
    }
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        *error = tr("cannot create the folder %1").arg(info.absolutePath());
        return false;
    }
    const QByteArray master = crypto::randomBytes(32);
    if (master.isEmpty()) {
        *error = tr("the system's random number generator failed");
        return false;
    }
    QSaveFile file(path);
    // Restrict before any secret byte is written.
    if (!file.open(QIODevice::WriteOnly) || !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)
        || file.write(master.toBase64() + '\n') < 0 || !file.commit()) {
        *error = tr("cannot write the key file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace rotor
