#include "LostReplyProxy.h"

#include <QtEndian>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

namespace {

constexpr qint32 sslRequestCode = 80877103;
constexpr qint32 gssEncRequestCode = 80877104;

bool sendAll(int fd, const char *data, qsizetype size)
{
    while (size > 0) {
        const ssize_t sent = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent <= 0)
            return false;
        data += sent;
        size -= sent;
    }
    return true;
}

qint32 int32At(const QByteArray &bytes, qsizetype offset)
{
    return qFromBigEndian<qint32>(bytes.constData() + offset);
}

struct Pair
{
    int client = -1;
    int server = -1;
    bool typed = false; // past the untyped startup packets
    bool awaitingAnswer = false; // a message was forwarded whose answer is to be lost
    QByteArray fromClient;
    QByteArray fromServer; // only while awaitingAnswer

    void close()
    {
        for (int *fd : {&client, &server}) {
            if (*fd >= 0)
                ::close(*fd);
            *fd = -1;
        }
    }
};

} // namespace

LostReplyProxy::~LostReplyProxy()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
    if (m_listen >= 0)
        ::close(m_listen);
}

bool LostReplyProxy::start(const QString &targetHost, int targetPort, QString *error)
{
    m_targetHost = targetHost.toLatin1();
    m_targetPort = targetPort;
    m_listen = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
        || ::listen(m_listen, 16) != 0
        || ::getsockname(m_listen, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        *error = QStringLiteral("proxy: cannot listen: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { run(); });
    return true;
}

void LostReplyProxy::arm(const QByteArray &needle, bool forwardFirst)
{
    std::lock_guard<std::mutex> lock(m_mutex);
    m_needle = needle;
    m_forwardFirst = forwardFirst;
}

void LostReplyProxy::run()
{
    std::list<Pair> pairs;
    while (!m_stop) {
        std::vector<pollfd> fds {{m_listen, POLLIN, 0}};
        for (const Pair &pair : pairs) {
            fds.push_back({pair.client, POLLIN, 0});
            fds.push_back({pair.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), 50) <= 0)
            continue;
        size_t index = 1;
        for (Pair &pair : pairs) {
            const short clientEvents = fds[index++].revents;
            const short serverEvents = fds[index++].revents;
            char buffer[65536];
            if (serverEvents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t got = ::recv(pair.server, buffer, sizeof buffer, 0);
                if (got <= 0) {
                    pair.close();
                    continue;
                }
                if (!pair.awaitingAnswer) {
                    if (!sendAll(pair.client, buffer, got))
                        pair.close();
                } else {
                    // Read the answer to its end (ReadyForQuery), then lose it with the connection.
                    pair.fromServer.append(buffer, got);
                    qsizetype at = 0;
                    bool complete = false;
                    while (pair.fromServer.size() - at >= 5) {
                        const qsizetype total = 1 + int32At(pair.fromServer, at + 1);
                        if (pair.fromServer.size() - at < total)
                            break;
                        complete = pair.fromServer.at(at) == 'Z';
                        at += total;
                    }
                    if (complete) {
                        pair.close();
                        ++m_drops;
                        continue;
                    }
                }
            }
            if (pair.client < 0 || !(clientEvents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t got = ::recv(pair.client, buffer, sizeof buffer, 0);
            if (got <= 0) {
                pair.close();
                continue;
            }
            pair.fromClient.append(buffer, got);
            for (;;) {
                qsizetype total = 0;
                if (!pair.typed) {
                    if (pair.fromClient.size() < 8)
                        break;
                    total = int32At(pair.fromClient, 0);
                } else {
                    if (pair.fromClient.size() < 5)
                        break;
                    total = 1 + int32At(pair.fromClient, 1);
                }
                if (pair.fromClient.size() < total)
                    break;
                const QByteArray message = pair.fromClient.left(total);
                pair.fromClient.remove(0, total);
                if (!pair.typed) {
                    const qint32 code = int32At(message, 4);
                    pair.typed = code != sslRequestCode && code != gssEncRequestCode;
                } else if (message.at(0) == 'Q' || message.at(0) == 'B') { // a simple Query, or a Bind's values
                    std::lock_guard<std::mutex> lock(m_mutex);
                    if (!m_needle.isEmpty() && message.contains(m_needle)) {
                        m_needle.clear();
                        if (!m_forwardFirst) {
                            pair.close();
                            ++m_drops;
                            break;
                        }
                        pair.awaitingAnswer = true;
                    }
                }
                if (!sendAll(pair.server, message.constData(), message.size())) {
                    pair.close();
                    break;
                }
            }
        }
        // New connections last: the loop above walked exactly the pairs that were polled.
        if (fds[0].revents & POLLIN) {
            const int client = ::accept(m_listen, nullptr, nullptr);
            const int server = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in target {};
            target.sin_family = AF_INET;
            target.sin_port = htons(quint16(m_targetPort));
            ::inet_pton(AF_INET, m_targetHost.constData(), &target.sin_addr);
            if (client >= 0 && server >= 0
                && ::connect(server, reinterpret_cast<sockaddr *>(&target), sizeof target) == 0) {
                const int on = 1;
                ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
                ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
                Pair pair;
                pair.client = client;
                pair.server = server;
                pairs.push_back(pair);
            } else {
                if (client >= 0)
                    ::close(client);
                if (server >= 0)
                    ::close(server);
            }
        }
        pairs.remove_if([](const Pair &pair) { return pair.client < 0; });
    }
    for (Pair &pair : pairs)
        pair.close();
}
