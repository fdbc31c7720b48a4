#pragma once

#include "ConsolePage.h"
#include "Policy.h"

#include <memory>

class QLabel;
class QLineEdit;
class QPushButton;

namespace rotor {

// The deployment's rotation policy: shown, and changed through the same audited core call as rotorctl policy set
// (AdminService::setPolicy), never on a read-only connection. Durations are typed as rotorctl takes them (10s, 15m,
// 30d); a bad one is named before anything is written.
class PolicyPage : public ConsolePage
{
    Q_OBJECT

public:
    explicit PolicyPage(QObject *parent = nullptr);
    ~PolicyPage() override;

    QString id() const override { return QStringLiteral("policy"); }
    QString displayName() const override { return tr("Policy"); }
    QIcon icon() const override;
    QKeySequence shortcut() const override { return QKeySequence(tr("Ctrl+6")); }
    void attach(const PageContext &context) override;
    void detach() override;
    QWidget *widget() const override;
    void refresh() override;
    QString statusText() const override;

    // The policy as last read from the database.
    const Policy &storedPolicy() const { return m_stored; }
    void apply();

private:
    enum Field { Grace, Idle, Lifetime, AccessTtl, EventsRetention, FieldCount };
    void showPolicy(const Policy &policy);
    // The form's policy; false with the first field that does not parse, named in error.
    bool formPolicy(Policy *policy, QString *error) const;
    void setStatus(const QString &text, bool problem);

    PageContext m_context;
    DatabaseWorker *m_worker = nullptr; // the window's detail worker (PageContext)
    std::unique_ptr<QObject> m_receiver;
    Policy m_stored;
    bool m_loaded = false;
    QWidget *m_widget = nullptr;
    QLineEdit *m_fields[FieldCount] = {};
    QLineEdit *m_reason = nullptr;
    QPushButton *m_apply = nullptr;
    QPushButton *m_revert = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace rotor
