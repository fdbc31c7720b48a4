#include "PolicyPage.h"

#include "AdminService.h"
#include "Clock.h"
#include "DatabaseWorker.h"
#include "Presentation.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace rotor {

namespace {
qint64 Policy::*const fieldMembers[] = {&Policy::graceMs, &Policy::refreshIdleTtlMs, &Policy::familyLifetimeMs,
                                        &Policy::accessTtlMs, &Policy::eventsRetentionMs};
const char *const fieldNames[] = {"graceEdit", "idleEdit", "lifetimeEdit", "accessTtlEdit", "eventsRetentionEdit"};
} // namespace

PolicyPage::PolicyPage(QObject *parent)
    : ConsolePage(parent)
{ }

PolicyPage::~PolicyPage()
{
    PolicyPage::detach();
}

QIcon PolicyPage::icon() const
{
    return icons::named("policy");
}

QWidget *PolicyPage::widget() const
{
    return m_widget;
}

void PolicyPage::attach(const PageContext &context)
{
    detach();
    m_context = context;
    m_receiver = std::make_unique<QObject>();
    m_worker = context.detailWorker;

    m_widget = new QWidget;
    m_widget->setObjectName(QStringLiteral("policyPage"));
    auto *layout = new QVBoxLayout(m_widget);
    auto *title = new QLabel(tr("<h3>Rotation policy</h3>"));
    layout->addWidget(title);
    auto *intro = new QLabel(
        tr("Shared by every server and console on this database; a change is in force everywhere within about a "
           "second and is written to the audit log. Durations: 90 (seconds), 10s, 15m, 12h, 30d."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    const QString labels[] = {tr("&Grace window (0 to 5m, 0 disables):"), tr("&Idle lifetime:"),
                              tr("Session &lifetime:"), tr("&Access-token lifetime:"), tr("&Keep security events:")};
    const QString hints[] = {
        tr("A second presentation of a token this close to its use gets the same successor (a retry, a second tab)."),
        tr("A refresh token unused this long expires. A change applies from each session's next refresh."),
        tr("A session ends this long after its sign-in. Shorter applies at the next refresh; longer extends no "
           "session already signed in."),
        tr("Applies to the next access token."), tr("Older security events are removed by a purge.")};
    for (int i = 0; i < FieldCount; ++i) {
        m_fields[i] = new QLineEdit;
        m_fields[i]->setObjectName(QLatin1String(fieldNames[i]));
        m_fields[i]->setToolTip(hints[i]);
        m_fields[i]->setReadOnly(context.spec.readOnly);
        m_fields[i]->setMaximumWidth(m_fields[i]->fontMetrics().horizontalAdvance(QStringLiteral("0000000000")) + 16);
        // What a change does, beside the field: an administrator should not have to hover to learn it.
        auto *hint = new QLabel(hints[i]);
        hint->setWordWrap(true);
        hint->setForegroundRole(QPalette::PlaceholderText);
        auto *row = new QHBoxLayout;
        row->addWidget(m_fields[i]);
        row->addWidget(hint, 1);
        auto *label = new QLabel(labels[i]);
        label->setBuddy(m_fields[i]); // the mnemonic reaches the field, not the row
        form->addRow(label, row);
        connect(m_fields[i], &QLineEdit::returnPressed, this, &PolicyPage::apply);
    }
    m_reason = new QLineEdit(m_widget);
    m_reason->setObjectName(QStringLiteral("policyReasonEdit"));
    m_reason->setPlaceholderText(tr("why (written to the audit log)"));
    m_reason->setMaximumWidth(480);
    if (!context.spec.readOnly)
        form->addRow(tr("&Reason:"), m_reason);
    else
        m_reason->hide();
    layout->addLayout(form);
    auto *buttons = new QHBoxLayout;
    m_apply = new QPushButton(tr("A&pply"));
    m_apply->setObjectName(QStringLiteral("applyPolicyButton"));
    m_revert = new QPushButton(tr("Re&vert"));
    m_revert->setObjectName(QStringLiteral("revertPolicyButton"));
    buttons->addWidget(m_apply);
    buttons->addWidget(m_revert);
    buttons->addStretch();
    layout->addLayout(buttons);
    // Read-only: nothing that writes is shown.
    m_apply->setVisible(!context.spec.readOnly);
    m_revert->setVisible(!context.spec.readOnly);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("policyStatus"));
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);
    layout->addStretch();
    connect(m_apply, &QPushButton::clicked, this, &PolicyPage::apply);
    connect(m_revert, &QPushButton::clicked, this, [this]() { showPolicy(m_stored); });
    setStatus(context.spec.readOnly ? tr("Opened read-only: the policy can be seen, not changed.") : QString(), false);
    refresh();
}

void PolicyPage::detach()
{
    m_receiver.reset();
    m_worker = nullptr;
    delete m_widget;
    m_widget = nullptr;
    for (QLineEdit *&field : m_fields)
        field = nullptr;
    m_loaded = false;
    m_context = {};
}

void PolicyPage::refresh()
{
    if (!m_worker)
        return;
    struct Read
    {
        bool ok = false;
        Policy policy;
        QString error;
    };
    m_worker->run<Read>(
        m_receiver.get(),
        [](Database &db) {
            Read read;
            db.forgetPolicy(); // what is stored now, not this connection's copy
            read.ok = db.policy(&read.policy, &read.error);
            return read;
        },
        [this](const Read &read) {
            if (!read.ok) {
                setStatus(tr("The policy could not be read: %1").arg(read.error), true);
                return;
            }
            // A field being edited keeps what was typed (a change elsewhere re-reads the policy); the others
            // follow the stored policy.
            for (int i = 0; i < FieldCount; ++i) {
                if (m_fields[i]
                    && (!m_loaded || m_fields[i]->text() == Policy::formatDuration(m_stored.*fieldMembers[i])))
                    m_fields[i]->setText(Policy::formatDuration(read.policy.*fieldMembers[i]));
            }
            m_stored = read.policy;
            m_loaded = true;
            emit statusChanged();
            emit updated();
        });
}

void PolicyPage::showPolicy(const Policy &policy)
{
    for (int i = 0; i < FieldCount; ++i) {
        if (m_fields[i])
            m_fields[i]->setText(Policy::formatDuration(policy.*fieldMembers[i]));
    }
}

bool PolicyPage::formPolicy(Policy *policy, QString *error) const
{
    *policy = m_stored;
    for (int i = 0; i < FieldCount; ++i) {
        if (!Policy::parseDuration(m_fields[i]->text(), &(policy->*fieldMembers[i]), error)) {
            m_fields[i]->setFocus();
            return false;
        }
    }
    *error = policy->problem();
    return error->isEmpty();
}

void PolicyPage::setStatus(const QString &text, bool problem)
{
    if (!m_status)
        return;
    m_status->setText(text);
    m_status->setStyleSheet(problem ? QStringLiteral("color: #b00020;") : QString());
}

void PolicyPage::apply()
{
    if (!m_worker || m_context.spec.readOnly || !m_loaded)
        return;
    Policy policy;
    QString error;
    if (!formPolicy(&policy, &error)) {
        setStatus(error, true);
        return;
    }
    if (policy == m_stored) {
        setStatus(tr("Nothing to change."), false);
        return;
    }
    m_apply->setEnabled(false);
    setStatus(tr("Changing the policy\u2026"), false);
    m_worker->run<std::pair<bool, QString>>(
        m_receiver.get(),
        [policy, reason = m_reason->text(), spec = m_context.spec](Database &db) {
            SystemClock clock;
            std::pair<bool, QString> result;
            result.first
                = AdminService(db, clock, Actor::forConnection(spec)).setPolicy(policy, reason, &result.second);
            return result;
        },
        [this](const std::pair<bool, QString> &result) {
            m_apply->setEnabled(true);
            if (!result.first) {
                setStatus(tr("Not changed: %1").arg(result.second), true);
                return;
            }
            m_reason->clear();
            setStatus(tr("Policy changed; written to the audit log."), false);
            emit statusMessage(tr("Policy changed."), 8000);
            refresh();
        });
}

QString PolicyPage::statusText() const
{
    return m_loaded
        ? tr("grace %1, sessions %2")
              .arg(Policy::formatDuration(m_stored.graceMs), Policy::formatDuration(m_stored.familyLifetimeMs))
        : QString();
}

} // namespace rotor
