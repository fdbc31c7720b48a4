#pragma once

#include "Catalog.h"

#include <QPointer>
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <atomic>
#include <memory>

class QLabel;
class QPushButton;
class QTableView;

namespace rotor {

class DatabaseWorker;
class PagedTableModel;
class TimelineWidget;
class WhatIfDialog;

// The right-hand side of a list: everything about the current row. What it loads beyond the row itself is loaded
// on the detail worker; links to a user or a session ask the window to go there.
class DetailPane : public QWidget
{
    Q_OBJECT

public:
    explicit DetailPane(QWidget *parent = nullptr);

    virtual void showRow(const QVariantList &row) = 0;
    virtual void clear();
    // Reloads what the pane fetched itself (after a change made from this window); while a load runs, the reload
    // follows it.
    virtual void reload() { }
    // The data changed elsewhere: reload(), at most about once a second, never restarting a load that runs.
    virtual void reloadSoon() { reload(); }
    QString headerText() const;

signals:
    void openUser(qint64 userId, const QString &email);
    void openFamily(qint64 familyId);
    void openDevice(qint64 deviceId, const QString &name);

protected:
    // A titled table of fields as rich text; values are escaped, links are kept.
    static QString fieldsHtml(const QString &title, const QList<QPair<QString, QString>> &fields);
    static QString userLink(qint64 userId, const QString &email);
    static QString familyLink(qint64 familyId);
    void setHeader(const QString &html);
    // A small read-only table of related rows, opened on double-click, without the columns that only repeat what
    // the pane is about (catalog columns in hiddenColumns).
    QTableView *addRelatedTable(const QString &title, PagedTableModel *model, const QList<int> &hiddenColumns = {});

    QLabel *m_header = nullptr;
    QLabel *m_placeholder = nullptr;

private:
    QList<QWidget *> m_related; // shown only while a row is shown
    void followLink(const QString &link);
};

class UserDetailPane : public DetailPane
{
    Q_OBJECT

public:
    explicit UserDetailPane(DatabaseWorker *worker, QWidget *parent = nullptr);
    void showRow(const QVariantList &row) override;
    void clear() override;
    void reload() override;
    void reloadSoon() override;
    PagedTableModel *devicesModel() const { return m_devices; }
    PagedTableModel *familiesModel() const { return m_families; }

private:
    PagedTableModel *m_devices;
    PagedTableModel *m_families;
};

class DeviceDetailPane : public DetailPane
{
    Q_OBJECT

public:
    explicit DeviceDetailPane(DatabaseWorker *worker, QWidget *parent = nullptr);
    void showRow(const QVariantList &row) override;
    void clear() override;
    void reload() override;
    void reloadSoon() override;
    PagedTableModel *familiesModel() const { return m_families; }

private:
    PagedTableModel *m_families;
};

class FamilyDetailPane : public DetailPane
{
    Q_OBJECT

public:
    explicit FamilyDetailPane(DatabaseWorker *worker, QWidget *parent = nullptr);
    static constexpr int liveIntervalMs = 1000;

    void showRow(const QVariantList &row) override;
    void clear() override;
    void reload() override;
    void reloadSoon() override;
    TimelineWidget *timeline() const { return m_timeline; }
    bool isChainLoaded() const { return m_loadedFamily == m_familyId && m_familyId > 0; }
    // A revoked session's one sentence of why (Catalog::explainRevocation), selectable and copyable; empty while the
    // session is not revoked or not loaded yet.
    QString revocationText() const;
    // Asks what presenting that generation of the shown session would do (a WhatIfDialog on the detail worker).
    void openWhatIf(int generation);
    WhatIfDialog *whatIfDialog() const;
    // What the chain status line says ("" while hidden): loading a session's chain for the first time, or why it
    // could not be loaded.
    QString chainStatusText() const;

private:
    struct Chain
    {
        quint64 serial = 0;
        qint64 familyId = 0;
        QList<QVariantList> tokens;
        QList<QVariantList> events;
        QString error;
        RevocationExplanation revocation;
        QString revocationError;
    };
    // Loads the chain of m_familyId now; a load for an older selection still running is interrupted.
    void loadChain();
    void showRevocation(const Chain &chain);
    // A reload asked for meanwhile, once the running load finished (paced: no sooner than liveIntervalMs after the
    // last start).
    void startQueuedReload();

    DatabaseWorker *m_worker;
    TimelineWidget *m_timeline;
    QLabel *m_chainStatus;
    QWidget *m_revocationBox;
    QLabel *m_revocation;
    QPushButton *m_whatIfButton;
    QPointer<WhatIfDialog> m_whatIf;
    bool m_shownRevoked = false; // the row shown says revoked
    bool m_loadedRevoked = false; // the explanation loaded says revoked
    qint64 m_familyId = 0;
    qint64 m_loadedFamily = 0;
    quint64 m_serial = 0; // answers to an older selection are dropped
    std::shared_ptr<std::atomic<quint64>> m_wantedSerial; // the worker's view of m_serial
    bool m_chainLoading = false;
    bool m_reloadQueued = false;
    bool m_liveReloadQueued = false;
    QTimer m_liveTimer;
    QElapsedTimer m_sinceLoadStart;
};

class EventDetailPane : public DetailPane
{
    Q_OBJECT

public:
    explicit EventDetailPane(QWidget *parent = nullptr);
    void showRow(const QVariantList &row) override;
};

class AuditDetailPane : public DetailPane
{
    Q_OBJECT

public:
    explicit AuditDetailPane(QWidget *parent = nullptr);
    void showRow(const QVariantList &row) override;
};

} // namespace rotor
