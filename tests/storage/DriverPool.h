#pragma once

#include "TestSupport.h"

#include <QProcess>

#include <memory>
#include <vector>

// Long-lived rotor-test-driver processes ("serve" mode), each with its own connection, answering one line per
// command. Writing the same command to all of them back to back releases them together.
class DriverPool
{
public:
    ~DriverPool()
    {
        for (auto &process : m_processes) {
            process->write("quit\n");
            process->closeWriteChannel();
            if (!process->waitForFinished(5000)) {
                process->kill();
                process->waitForFinished(5000);
            }
        }
    }

    // clockOffsetsMs: one per process, skewing its system clock (none: every process on the plain system clock).
    bool start(const QString &location, int size, QString *error, const QList<qint64> &clockOffsetsMs = {})
    {
        if (rotor::test::driverPath().isEmpty()) {
            *error = QStringLiteral("ROTOR_TEST_DRIVER is not set");
            return false;
        }
        for (int i = 0; i < size; ++i) {
            auto process = std::make_unique<QProcess>();
            process->setProcessEnvironment(rotor::test::driverEnvironment());
            process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            process->start(rotor::test::driverPath(),
                           {QStringLiteral("serve"), location, QString::number(clockOffsetsMs.value(i))});
            m_processes.push_back(std::move(process));
        }
        for (int i = 0; i < size; ++i) {
            QByteArray line;
            if (!readLine(i, &line, 20000) || line != "ready") {
                *error = QStringLiteral("driver %1 did not start: %2 %3")
                             .arg(i)
                             .arg(QString::fromUtf8(line), m_processes[size_t(i)]->errorString());
                return false;
            }
        }
        return true;
    }

    int size() const { return int(m_processes.size()); }

    void send(int index, const QByteArray &line)
    {
        m_processes[size_t(index)]->write(line + '\n');
        m_processes[size_t(index)]->waitForBytesWritten(1000);
    }

    void sendAll(const QByteArray &line)
    {
        for (auto &process : m_processes)
            process->write(line + '\n');
        // Flush every pipe only after all were filled: the processes wake up as close together as possible.
        for (auto &process : m_processes)
            process->waitForBytesWritten(1000);
    }

    // One answer line, waiting at most timeoutMs for it.
    bool readLine(int index, QByteArray *line, int timeoutMs)
    {
        QProcess &process = *m_processes[size_t(index)];
        while (!process.canReadLine()) {
            if (process.state() == QProcess::NotRunning || !process.waitForReadyRead(timeoutMs))
                return false;
        }
        *line = process.readLine().trimmed();
        return true;
    }

private:
    std::vector<std::unique_ptr<QProcess>> m_processes;
};
