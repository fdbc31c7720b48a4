#pragma once

#include <QByteArray>
#include <QString>

#include <atomic>
#include <mutex>
#include <thread>

// A TCP proxy between a PostgreSQL client and its server that can lose one reply, the way a network does: it passes
// every byte through until it is armed, then forwards the next simple Query message whose text contains a needle
// (a COMMIT, or the EXECUTE of a statement), waits until the server has answered it completely (ReadyForQuery), and
// drops both connections without passing that answer on. A needle is looked for in simple Query messages (QPSQL's
// statements, COMMIT) and in Bind messages (the values of a statement prepared through libpq, raw bytes for bytea).
// Disarmed with forwardFirst = false, it drops the connection instead of forwarding the message: the server never sees
// it.
//
// Only the client's side of the protocol is parsed, and only as far as message boundaries: the startup packets
// (untyped), then typed messages. Connect with sslmode=disable so the bytes are readable.
class LostReplyProxy
{
public:
    LostReplyProxy() = default;
    ~LostReplyProxy();
    LostReplyProxy(const LostReplyProxy &) = delete;
    LostReplyProxy &operator=(const LostReplyProxy &) = delete;

    // Listens on a free loopback port and forwards to targetHost:targetPort.
    bool start(const QString &targetHost, int targetPort, QString *error);
    int port() const { return m_port; }

    void arm(const QByteArray &needle, bool forwardFirst = true);
    // How many messages were dropped (with or without their answer) since start.
    int drops() const { return m_drops.load(); }

private:
    void run();

    int m_listen = -1;
    int m_port = 0;
    QByteArray m_targetHost;
    int m_targetPort = 0;
    std::thread m_thread;
    std::atomic<bool> m_stop {false};
    std::atomic<int> m_drops {0};
    std::mutex m_mutex; // guards the arming below
    QByteArray m_needle;
    bool m_forwardFirst = true;
};
