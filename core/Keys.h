#pragma once

#include <QByteArray>
#include <QString>

namespace rotor {

// The server secrets, all derived from one master secret (at least 32 bytes) with HKDF-SHA256, empty salt:
//   access-token HS256 key = HKDF(master, info "rotor/access-token/hs256", 32 bytes)
//   rotation key           = HKDF(master, info "rotor/refresh-token/successor", 32 bytes)
// The master secret comes from ROTOR_MASTER_KEY (base64) or a key file holding it in base64, never from the database.
class Keys
{
public:
    static constexpr int minimumMasterBytes = 32;
    static constexpr char environmentVariable[] = "ROTOR_MASTER_KEY";

    static bool fromMaster(const QByteArray &master, Keys *keys, QString *error);
    // An explicit key file wins; otherwise ROTOR_MASTER_KEY; otherwise the default key file.
    static bool load(const QString &explicitKeyFile, Keys *keys, QString *error);
    static bool loadFile(const QString &path, Keys *keys, QString *error);
    // Writes a new random master secret, mode 0600; refuses to overwrite an existing file.
    static bool createKeyFile(const QString &path, QString *error);
    static QString defaultKeyFile();

    const QByteArray &accessKey() const { return m_accessKey; }
    const QByteArray &rotationKey() const { return m_rotationKey; }
    bool isValid() const { return !m_accessKey.isEmpty() && !m_rotationKey.isEmpty(); }

private:
    QByteArray m_accessKey;
    QByteArray m_rotationKey;
};

} // namespace rotor
