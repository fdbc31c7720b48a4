#include "ActionDialogs.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

#include <limits>

namespace rotor::dialogs {

namespace {

// One confirmation: what will happen, why (a reason is required), confirm or cancel.
class ConfirmDialog : public QDialog
{
    Q_OBJECT

public:
    ConfirmDialog(QWidget *parent, const QString &title, const QString &summary, const QString &details,
                  const QString &confirmText, const QStringList &commonReasons, bool destructive,
                  bool canConfirm = true)
        : QDialog(parent)
        , m_canConfirm(canConfirm)
    {
        setWindowTitle(title);
        setModal(true);

        auto *icon = new QLabel(this);
        const QStyle::StandardPixmap pixmap
            = destructive ? QStyle::SP_MessageBoxWarning : QStyle::SP_MessageBoxQuestion;
        icon->setPixmap(style()->standardIcon(pixmap).pixmap(48, 48));
        icon->setAlignment(Qt::AlignTop);

        auto *summaryLabel = new QLabel(summary, this);
        summaryLabel->setObjectName(QStringLiteral("summaryLabel"));
        summaryLabel->setWordWrap(true);
        summaryLabel->setTextFormat(Qt::PlainText);
        summaryLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont bold = summaryLabel->font();
        bold.setBold(true);
        summaryLabel->setFont(bold);

        auto *detailsLabel = new QLabel(details, this);
        detailsLabel->setObjectName(QStringLiteral("detailsLabel"));
        detailsLabel->setWordWrap(true);
        detailsLabel->setTextFormat(Qt::PlainText);
        detailsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

        m_reasonEdit = new QComboBox(this);
        m_reasonEdit->setObjectName(QStringLiteral("reasonEdit"));
        m_reasonEdit->setEditable(true);
        m_reasonEdit->setInsertPolicy(QComboBox::NoInsert);
        m_reasonEdit->addItems(commonReasons);
        m_reasonEdit->setCurrentIndex(-1);
        m_reasonEdit->setEditText(QString());
        m_reasonEdit->lineEdit()->setPlaceholderText(tr("Required: why? (written to the audit log)"));
        m_reasonEdit->setMinimumContentsLength(40);
        auto *reasonLabel = new QLabel(tr("&Reason:"), this);
        reasonLabel->setBuddy(m_reasonEdit);

        auto *buttons = new QDialogButtonBox(this);
        m_confirmButton = buttons->addButton(confirmText, QDialogButtonBox::AcceptRole);
        m_confirmButton->setObjectName(QStringLiteral("confirmButton"));
        m_confirmButton->setEnabled(false);
        m_confirmButton->setDefault(true);
        QPushButton *cancelButton = buttons->addButton(QDialogButtonBox::Cancel);
        cancelButton->setObjectName(QStringLiteral("cancelButton"));
        cancelButton->setAutoDefault(false);
        connect(buttons, &QDialogButtonBox::accepted, this, [this]() {
            if (m_canConfirm && !reason().isEmpty())
                accept();
        });
        connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
        connect(m_reasonEdit, &QComboBox::editTextChanged, this,
                [this]() { m_confirmButton->setEnabled(m_canConfirm && !reason().isEmpty()); });
        if (!canConfirm) {
            // Nothing to do: only Cancel (now labelled Close) is left.
            m_confirmButton->hide();
            m_reasonEdit->setEnabled(false);
            cancelButton->setText(tr("Close"));
            cancelButton->setDefault(true);
        }

        auto *text = new QVBoxLayout;
        text->addWidget(summaryLabel);
        text->addWidget(detailsLabel);
        text->addSpacing(8);
        auto *reasonRow = new QHBoxLayout;
        reasonRow->addWidget(reasonLabel);
        reasonRow->addWidget(m_reasonEdit, 1);
        text->addLayout(reasonRow);
        auto *top = new QHBoxLayout;
        top->addWidget(icon);
        top->addLayout(text, 1);
        auto *layout = new QVBoxLayout(this);
        layout->addLayout(top);
        layout->addWidget(buttons);
        m_reasonEdit->setFocus();
    }

    QString reason() const { return m_reasonEdit->currentText().trimmed(); }

    // Runs the dialog; true (with the reason) when confirmed.
    bool ask(QString *reasonOut)
    {
        if (exec() != QDialog::Accepted)
            return false;
        if (reasonOut)
            *reasonOut = reason();
        return true;
    }

    static QString deviceList(const QStringList &devices)
    {
        QStringList names;
        for (const QString &device : devices)
            names << (device.trimmed().isEmpty() ? tr("an unnamed device") : device.trimmed());
        return QLocale().createSeparatedList(names);
    }

    static QStringList revocationReasons()
    {
        return {tr("Suspected token theft"), tr("Device lost or stolen"), tr("Requested by the user"),
                tr("Account compromised"), tr("Employee left the organisation")};
    }

private:
    bool m_canConfirm = true;
    QComboBox *m_reasonEdit = nullptr;
    QPushButton *m_confirmButton = nullptr;
};

} // namespace

bool confirmRevokeFamily(QWidget *parent, qint64 familyId, const QString &userEmail, const RevocationPreview &preview,
                         QString *reason)
{
    const QString id = QLocale().toString(familyId);
    const QString device = ConfirmDialog::deviceList(preview.devices);
    QString summary;
    QString details;
    if (preview.liveFamilies > 0) {
        summary = ConfirmDialog::tr("Revoke session %1 of %2 on %3?").arg(id, userEmail, device);
        details = ConfirmDialog::tr("Its refresh token stops working at once: %1 must sign in again on %2. The session "
                                    "is marked revoked by an administrator, and the revocation is written to the "
                                    "audit log. Access tokens already issued for it stay valid until they expire.")
                      .arg(userEmail, device);
    } else {
        summary = ConfirmDialog::tr("Session %1 of %2 on %3 is no longer live.").arg(id, userEmail, device);
        details = ConfirmDialog::tr("It was already revoked; there is nothing left to revoke.");
    }
    ConfirmDialog dialog(parent, ConfirmDialog::tr("Revoke Session"), summary, details,
                         ConfirmDialog::tr("&Revoke Session"), ConfirmDialog::revocationReasons(), true,
                         preview.liveFamilies > 0);
    return dialog.ask(reason);
}

bool confirmRevokeUser(QWidget *parent, const QString &email, const RevocationPreview &preview, QString *reason)
{
    const int sessions = int(qMin<qint64>(preview.liveFamilies, std::numeric_limits<int>::max()));
    QString summary;
    if (sessions == 1) {
        summary = ConfirmDialog::tr("Revoke the live session of %1 on %2.")
                      .arg(email, ConfirmDialog::deviceList(preview.devices));
    } else if (sessions > 1) {
        summary = ConfirmDialog::tr("Revoke %n live sessions of %1 on: %2.", nullptr, sessions)
                      .arg(email, ConfirmDialog::deviceList(preview.devices));
    } else {
        summary = ConfirmDialog::tr("%1 has no live sessions to revoke.").arg(email);
    }
    const QString details = ConfirmDialog::tr("Their access tokens stop working (token version is bumped), so %1 "
                                              "must sign in again everywhere. This is written to the audit log.")
                                .arg(email);
    ConfirmDialog dialog(parent, ConfirmDialog::tr("Revoke All Sessions"), summary, details,
                         ConfirmDialog::tr("&Revoke All Sessions"), ConfirmDialog::revocationReasons(), true);
    return dialog.ask(reason);
}

bool confirmSetActive(QWidget *parent, const QString &email, bool active, QString *reason)
{
    if (active) {
        ConfirmDialog dialog(
            parent, ConfirmDialog::tr("Reactivate User"), ConfirmDialog::tr("Reactivate %1?").arg(email),
            ConfirmDialog::tr("%1 can sign in again, and sessions that were not revoked can refresh again. This is "
                              "written to the audit log.")
                .arg(email),
            ConfirmDialog::tr("Re&activate"),
            {ConfirmDialog::tr("Issue resolved"), ConfirmDialog::tr("Requested by the user"),
             ConfirmDialog::tr("Deactivated by mistake")},
            false);
        return dialog.ask(reason);
    }
    ConfirmDialog dialog(
        parent, ConfirmDialog::tr("Deactivate User"), ConfirmDialog::tr("Deactivate %1?").arg(email),
        ConfirmDialog::tr("%1 can no longer sign in, and every refresh of their sessions is refused. Their access "
                          "tokens stop working (token version is bumped). Their sessions are kept, so reactivating "
                          "restores them. This is written to the audit log.")
            .arg(email),
        ConfirmDialog::tr("&Deactivate"),
        {ConfirmDialog::tr("Account compromised"), ConfirmDialog::tr("Employee left the organisation"),
         ConfirmDialog::tr("Suspicious activity"), ConfirmDialog::tr("Requested by the user")},
        true);
    return dialog.ask(reason);
}

} // namespace rotor::dialogs

#include "ActionDialogs.moc"
