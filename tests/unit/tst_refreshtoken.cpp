#include "Crypto.h"
#include "RefreshToken.h"

#include <QSet>
#include <QTest>

using namespace rotor;
using refresh_token::ParseError;

Q_DECLARE_METATYPE(rotor::refresh_token::ParseError)

namespace {
bool isBase64UrlChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

// Secret bytes 100..131; rotation key = HKDF(master 0x40..0x5f, "rotor/refresh-token/successor"). Expected values
// computed with Python: successor = "rtr_" + b64u(hmac_sha256(rotationKey, secret)), hash = sha256(token text).
constexpr char parentToken[] = "rtr_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoM";
constexpr char expectedSuccessor[] = "rtr_jqwYTI3fUJYaebe0FsnPsuOEIxr4o8asFyFFkKnqBVQ";
constexpr char expectedSuccessorZeroKey[] = "rtr_UrVzeC9FCNgr3W-dRHdbMLp4H1Ioahy1iGa9Y-p7YnM";
constexpr char expectedParentHash[] = "04e6ff1df2d0d802d35fa4f22b592138f5507a0d79c6ea85ae6b73a657a315db";

QByteArray rotationKey()
{
    return QByteArray::fromHex("f849395905f724eaf88f94b7b88ca6fb6f1496607d4bfd8f874e0146a7675dbb");
}
} // namespace

class TestRefreshToken : public QObject
{
    Q_OBJECT

private slots:
    void generateShape();
    void generateDiffers();
    void parseAccepts();
    void parseRejects_data();
    void parseRejects();
    void successorKnownAnswer();
    void successorDeterministic();
    void successorOfMalformedIsEmpty();
    void hashOfIsSha256OfText();
    void describeEveryError();
};

void TestRefreshToken::generateShape()
{
    const QByteArray token = refresh_token::generate();
    QCOMPARE(token.size(), 47);
    QCOMPARE(refresh_token::textLength, 47);
    QVERIFY(token.startsWith("rtr_"));
    for (char c : token.mid(4))
        QVERIFY2(isBase64UrlChar(c), token.constData());
    QByteArray secret;
    QCOMPARE(refresh_token::parse(token, &secret), ParseError::None);
    QCOMPARE(secret.size(), 32);
    QCOMPARE(crypto::toBase64Url(secret), token.mid(4));
}

void TestRefreshToken::generateDiffers()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 100; ++i)
        seen.insert(refresh_token::generate());
    QCOMPARE(seen.size(), 100);
}

void TestRefreshToken::parseAccepts()
{
    QByteArray secret;
    QCOMPARE(refresh_token::parse(QByteArrayView(parentToken), &secret), ParseError::None);
    QByteArray expected;
    for (int i = 100; i < 132; ++i)
        expected.append(char(i));
    QCOMPARE(secret, expected);
    // The secret out-parameter is optional.
    QCOMPARE(refresh_token::parse(QByteArrayView(parentToken)), ParseError::None);
}

void TestRefreshToken::parseRejects_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<ParseError>("error");

    const QByteArray good(parentToken);
    const QByteArray body = good.mid(4);
    QTest::newRow("empty") << QByteArray() << ParseError::Empty;
    QTest::newRow("prefix only") << QByteArray("rtr_") << ParseError::BadLength;
    QTest::newRow("no prefix") << body << ParseError::BadPrefix;
    QTest::newRow("upper-case prefix") << ("RTR_" + body) << ParseError::BadPrefix;
    QTest::newRow("other prefix") << ("rtx_" + body) << ParseError::BadPrefix;
    QTest::newRow("leading space") << (" " + good) << ParseError::BadPrefix;
    QTest::newRow("one character short") << good.chopped(1) << ParseError::BadLength;
    QTest::newRow("one character long") << (good + "A") << ParseError::BadLength;
    QTest::newRow("trailing newline") << (good + "\n") << ParseError::BadLength;
    QTest::newRow("padded") << (good + "=") << ParseError::BadLength;
    QTest::newRow("1024 bytes") << ("rtr_" + QByteArray(1020, 'A')) << ParseError::BadLength;
    QTest::newRow("1025 bytes") << ("rtr_" + QByteArray(1021, 'A')) << ParseError::TooLong;
    QTest::newRow("huge") << ("rtr_" + QByteArray(1 << 20, 'A')) << ParseError::TooLong;
    QTest::newRow("huge without prefix") << QByteArray(1 << 20, 'x') << ParseError::TooLong;

    const auto withCharAt = [&](int index, char c) {
        QByteArray text = good;
        text[index] = c;
        return text;
    };
    QTest::newRow("plus") << withCharAt(10, '+') << ParseError::BadEncoding;
    QTest::newRow("slash") << withCharAt(10, '/') << ParseError::BadEncoding;
    QTest::newRow("space inside") << withCharAt(10, ' ') << ParseError::BadEncoding;
    QTest::newRow("padding character inside") << withCharAt(46, '=') << ParseError::BadEncoding;
    QTest::newRow("NUL inside") << withCharAt(20, '\0') << ParseError::BadEncoding;
    QTest::newRow("non-ASCII") << withCharAt(20, '\xe9') << ParseError::BadEncoding;
    // 43 characters carry 258 bits; the last 2 must be zero. 'M' (001100) is canonical, 'N' (001101) is not.
    QVERIFY(good.endsWith('M'));
    QTest::newRow("non-canonical trailing bits") << withCharAt(46, 'N') << ParseError::BadEncoding;
    QTest::newRow("non-canonical trailing bits (P)") << withCharAt(46, 'P') << ParseError::BadEncoding;
}

void TestRefreshToken::parseRejects()
{
    QFETCH(QByteArray, text);
    QFETCH(ParseError, error);
    QByteArray secret("untouched");
    QCOMPARE(refresh_token::parse(text, &secret), error);
    QCOMPARE(secret, QByteArray("untouched"));
}

void TestRefreshToken::successorKnownAnswer()
{
    QCOMPARE(refresh_token::successorOf(QByteArrayView(parentToken), rotationKey()), QByteArray(expectedSuccessor));
    QCOMPARE(refresh_token::successorOf(QByteArrayView(parentToken), QByteArray(32, '\0')),
             QByteArray(expectedSuccessorZeroKey));
}

void TestRefreshToken::successorDeterministic()
{
    const QByteArray parent = refresh_token::generate();
    const QByteArray key = crypto::randomBytes(32);
    const QByteArray first = refresh_token::successorOf(parent, key);
    QCOMPARE(refresh_token::parse(first), ParseError::None);
    QCOMPARE(refresh_token::successorOf(parent, key), first);
    QVERIFY(first != parent);

    QByteArray otherKey = key;
    otherKey[0] = char(otherKey.at(0) ^ 1);
    QVERIFY(refresh_token::successorOf(parent, otherKey) != first);
    QVERIFY(refresh_token::successorOf(refresh_token::generate(), key) != first);
    // A chain never repeats: the successor's successor is new again.
    QVERIFY(refresh_token::successorOf(first, key) != first);
    QVERIFY(refresh_token::successorOf(first, key) != parent);
}

void TestRefreshToken::successorOfMalformedIsEmpty()
{
    QVERIFY(refresh_token::successorOf("", rotationKey()).isEmpty());
    QVERIFY(refresh_token::successorOf("rtr_short", rotationKey()).isEmpty());
    QByteArray nonCanonical(parentToken);
    nonCanonical[46] = 'N';
    QVERIFY(refresh_token::successorOf(nonCanonical, rotationKey()).isEmpty());
}

void TestRefreshToken::hashOfIsSha256OfText()
{
    QCOMPARE(refresh_token::hashOf(QByteArrayView(parentToken)).toHex(), QByteArray(expectedParentHash));
    QCOMPARE(refresh_token::hashOf(QByteArrayView(parentToken)).size(), 32);
    const QByteArray token = refresh_token::generate();
    QCOMPARE(refresh_token::hashOf(token), crypto::sha256(token));
}

void TestRefreshToken::describeEveryError()
{
    const ParseError all[] = {ParseError::None,      ParseError::Empty,     ParseError::TooLong,
                              ParseError::BadLength, ParseError::BadPrefix, ParseError::BadEncoding};
    QSet<QByteArray> texts;
    for (ParseError error : all) {
        const QByteArray text(refresh_token::describe(error));
        QVERIFY(!text.isEmpty());
        texts.insert(text);
    }
    QCOMPARE(texts.size(), int(std::size(all)));
}

QTEST_GUILESS_MAIN(TestRefreshToken)
#include "tst_refreshtoken.moc"
