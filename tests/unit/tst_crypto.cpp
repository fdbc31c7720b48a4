#include "Crypto.h"
#include "Jwt.h"
#include "Keys.h"

#include <QTest>

using namespace rotor;

// Known answers from the standards (FIPS 180-2, RFC 4231, RFC 5869) and, for Rotor's own formats, values computed
// independently with Python's hashlib/hmac/base64/json: nothing here is produced by the code under test.
class TestCrypto : public QObject
{
    Q_OBJECT

private slots:
    void sha256_data();
    void sha256();
    void hmacSha256_data();
    void hmacSha256();
    void hkdfSha256_data();
    void hkdfSha256();
    void hkdfRefusesBadLengths();
    void base64UrlRoundTrip_data();
    void base64UrlRoundTrip();
    void base64UrlRejects_data();
    void base64UrlRejects();
    void equalConstantTime();
    void randomBytes();
    void jwtKnownAnswer();
    void jwtVerifyRejects_data();
    void jwtVerifyRejects();
    void derivedKeysKnownAnswer();
};

void TestCrypto::sha256_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("digest");
    QTest::newRow("FIPS 180-2 abc") << QByteArray("abc")
                                    << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("empty") << QByteArray()
                           << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("FIPS 180-2 two blocks")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

void TestCrypto::sha256()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, digest);
    QCOMPARE(crypto::sha256(input).toHex(), digest);
}

void TestCrypto::hmacSha256_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<QByteArray>("mac");
    QTest::newRow("RFC 4231 case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                                     << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    QTest::newRow("RFC 4231 case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                                     << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    QTest::newRow("RFC 4231 case 6") << QByteArray(131, '\xaa')
                                     << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
                                     << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

void TestCrypto::hmacSha256()
{
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, data);
    QFETCH(QByteArray, mac);
    QCOMPARE(crypto::hmacSha256(key, data).toHex(), mac);
}

void TestCrypto::hkdfSha256_data()
{
    QTest::addColumn<QByteArray>("ikm");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<QByteArray>("info");
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("okm");
    QTest::newRow("RFC 5869 case 1") << QByteArray(22, '\x0b') << QByteArray::fromHex("000102030405060708090a0b0c")
                                     << QByteArray::fromHex("f0f1f2f3f4f5f6f7f8f9") << 42
                                     << QByteArray("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                                                   "34007208d5b887185865");
    QTest::newRow("RFC 5869 case 3 (empty salt and info)")
        << QByteArray(22, '\x0b') << QByteArray() << QByteArray() << 42
        << QByteArray("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

void TestCrypto::hkdfSha256()
{
    QFETCH(QByteArray, ikm);
    QFETCH(QByteArray, salt);
    QFETCH(QByteArray, info);
    QFETCH(int, length);
    QFETCH(QByteArray, okm);
    QCOMPARE(crypto::hkdfSha256(ikm, salt, info, length).toHex(), okm);
}

void TestCrypto::hkdfRefusesBadLengths()
{
    QVERIFY(crypto::hkdfSha256("key", {}, {}, 0).isEmpty());
    QVERIFY(crypto::hkdfSha256("key", {}, {}, -1).isEmpty());
    QVERIFY(crypto::hkdfSha256("key", {}, {}, 255 * 32 + 1).isEmpty());
    QCOMPARE(crypto::hkdfSha256("key", {}, {}, 255 * 32).size(), 255 * 32);
}

void TestCrypto::base64UrlRoundTrip_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("one byte") << QByteArray("f") << QByteArray("Zg");
    QTest::newRow("two bytes") << QByteArray("fo") << QByteArray("Zm8");
    QTest::newRow("three bytes") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("url alphabet") << QByteArray::fromHex("fbff") << QByteArray("-_8");
    QTest::newRow("all 62 and 63") << QByteArray::fromHex("fbefbe") << QByteArray("----");
    QTest::newRow("underscores") << QByteArray::fromHex("ffffff") << QByteArray("____");
}

void TestCrypto::base64UrlRoundTrip()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QByteArray, text);
    QCOMPARE(crypto::toBase64Url(bytes), text);
    QByteArray decoded("sentinel");
    QVERIFY(crypto::fromBase64Url(text, &decoded));
    QCOMPARE(decoded, bytes);
}

void TestCrypto::base64UrlRejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("padding") << QByteArray("Zg==");
    QTest::newRow("single padding") << QByteArray("Zm8=");
    QTest::newRow("plus") << QByteArray("+-8");
    QTest::newRow("slash") << QByteArray("/_8");
    QTest::newRow("space") << QByteArray("Zm 9v");
    QTest::newRow("leading space") << QByteArray(" Zm9v");
    QTest::newRow("trailing newline") << QByteArray("Zm9v\n");
    QTest::newRow("tab") << QByteArray("Zm9v\t");
    QTest::newRow("NUL") << QByteArray("Zm9v\0", 5);
    QTest::newRow("non-ASCII") << QByteArray("Zm9\xc3\xa9");
    QTest::newRow("dot") << QByteArray("Zm9v.");
    QTest::newRow("impossible length") << QByteArray("Zm9vY");
    // "Zh" decodes to 'f' like "Zg", but sets unused trailing bits: a second spelling of the same bytes.
    QTest::newRow("non-canonical 2 chars") << QByteArray("Zh");
    QTest::newRow("non-canonical 3 chars") << QByteArray("Zm9");
}

void TestCrypto::base64UrlRejects()
{
    QFETCH(QByteArray, text);
    QByteArray decoded("untouched");
    QVERIFY(!crypto::fromBase64Url(text, &decoded));
    QCOMPARE(decoded, QByteArray("untouched"));
}

void TestCrypto::equalConstantTime()
{
    QVERIFY(crypto::equalConstantTime("abc", "abc"));
    QVERIFY(crypto::equalConstantTime({}, {}));
    QVERIFY(!crypto::equalConstantTime("abc", "abd"));
    QVERIFY(!crypto::equalConstantTime("abc", "ab"));
    QVERIFY(!crypto::equalConstantTime("", "a"));
}

void TestCrypto::randomBytes()
{
    const QByteArray a = crypto::randomBytes(32);
    const QByteArray b = crypto::randomBytes(32);
    QCOMPARE(a.size(), 32);
    QCOMPARE(b.size(), 32);
    QVERIFY(a != b);
    QVERIFY(crypto::randomBytes(0).isEmpty());
}

namespace {
// Key bytes 00..1f; claims as below. Expected token computed with Python:
//   header  = b'{"alg":"HS256","typ":"JWT"}'
//   payload = json.dumps(claims, sort_keys=True, separators=(',', ':'))
//   token   = b64u(header) + '.' + b64u(payload) + '.' + b64u(hmac_sha256(key, signing_input))
QByteArray jwtKey()
{
    QByteArray key;
    for (int i = 0; i < 32; ++i)
        key.append(char(i));
    return key;
}

AccessClaims jwtClaims()
{
    AccessClaims claims;
    claims.subject = QStringLiteral("42");
    claims.sessionId = QStringLiteral("7");
    claims.version = 3;
    claims.issuedAt = 1700000000;
    claims.expiresAt = 1700000900;
    claims.jwtId = QStringLiteral("abc-123");
    return claims;
}

constexpr char expectedJwt[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
                               "eyJleHAiOjE3MDAwMDA5MDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiYWJjLTEyMyIsInNpZCI6IjciLCJzdW"
                               "IiOiI0MiIsInZlciI6M30."
                               "X_iStbP53tblYBQsEp6S8HF0Qwhkp_TNpxlvxZLOUkU";
// The same claims under {"alg":"none","typ":"JWT"} with an empty signature.
constexpr char noneJwt[] = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
                           "eyJleHAiOjE3MDAwMDA5MDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiYWJjLTEyMyIsInNpZCI6IjciLCJzdWIiOiI"
                           "0MiIsInZlciI6M30.";
} // namespace

void TestCrypto::jwtKnownAnswer()
{
    const QByteArray token = jwt::signHs256(jwtClaims(), jwtKey());
    QCOMPARE(token, QByteArray(expectedJwt));

    AccessClaims claims;
    QString error;
    QVERIFY2(jwt::verifyHs256(QByteArrayView(expectedJwt), jwtKey(), &claims, &error), qPrintable(error));
    QCOMPARE(claims.subject, QStringLiteral("42"));
    QCOMPARE(claims.sessionId, QStringLiteral("7"));
    QCOMPARE(claims.version, qint64(3));
    QCOMPARE(claims.issuedAt, qint64(1700000000));
    QCOMPARE(claims.expiresAt, qint64(1700000900));
    QCOMPARE(claims.jwtId, QStringLiteral("abc-123"));
}

void TestCrypto::jwtVerifyRejects_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("key");

    const QByteArray good(expectedJwt);
    const qsizetype signatureStart = good.lastIndexOf('.') + 1;
    {
        // Flip one bit of the first signature byte, keeping the text canonical base64url.
        QByteArray signature;
        QVERIFY(crypto::fromBase64Url(good.mid(signatureStart), &signature));
        signature[0] = char(signature.at(0) ^ 0x01);
        QTest::newRow("flipped signature byte")
            << (good.left(signatureStart) + crypto::toBase64Url(signature)) << jwtKey();
        QByteArray flippedLast = good;
        flippedLast[flippedLast.size() - 1] = flippedLast.endsWith('U') ? 'V' : 'U';
        QTest::newRow("altered last signature character") << flippedLast << jwtKey();
    }
    QTest::newRow("alg none") << QByteArray(noneJwt) << jwtKey();
    QTest::newRow("alg none with the real signature") << (QByteArray(noneJwt) + good.mid(signatureStart)) << jwtKey();
    QByteArray wrongKey = jwtKey();
    wrongKey[31] = 'x';
    QTest::newRow("wrong key") << good << wrongKey;
    QTest::newRow("empty key") << good << QByteArray();
    QTest::newRow("two parts") << good.left(signatureStart - 1) << jwtKey();
    QTest::newRow("four parts") << (good + ".e30") << jwtKey();
    QTest::newRow("empty") << QByteArray() << jwtKey();
    QTest::newRow("padded signature") << (good + "=") << jwtKey();
    {
        // The payload changed (sub 42 -> 43) under the original signature.
        QByteArray payload;
        const qsizetype firstDot = good.indexOf('.');
        QVERIFY(crypto::fromBase64Url(good.mid(firstDot + 1, signatureStart - firstDot - 2), &payload));
        payload.replace("\"42\"", "\"43\"");
        QTest::newRow("tampered claims") << (good.left(firstDot + 1) + crypto::toBase64Url(payload) + '.'
                                             + good.mid(signatureStart))
                                         << jwtKey();
    }
}

void TestCrypto::jwtVerifyRejects()
{
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, key);
    AccessClaims claims;
    QString error;
    QVERIFY(!jwt::verifyHs256(token, key, &claims, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(claims.subject.isEmpty());
}

void TestCrypto::derivedKeysKnownAnswer()
{
    // Master secret bytes 0x40..0x5f. Expected: Python HKDF-SHA256 (RFC 5869), empty salt, 32 bytes.
    QByteArray master;
    for (int i = 0; i < 32; ++i)
        master.append(char(0x40 + i));
    Keys keys;
    QString error;
    QVERIFY2(Keys::fromMaster(master, &keys, &error), qPrintable(error));
    QVERIFY(keys.isValid());
    QCOMPARE(keys.accessKey().toHex(), QByteArray("d78801d8d9f67fe79c325c50413d33d7f02d0a61daf3fece4a71f0c20fef6a29"));
    QCOMPARE(keys.rotationKey().toHex(),
             QByteArray("f849395905f724eaf88f94b7b88ca6fb6f1496607d4bfd8f874e0146a7675dbb"));
    QVERIFY(keys.accessKey() != keys.rotationKey());
}

QTEST_GUILESS_MAIN(TestCrypto)
#include "tst_crypto.moc"
