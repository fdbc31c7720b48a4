#include "AdminActions.h"

#include "ActionDialogs.h"
#include "AdminService.h"
#include "Clock.h"
#include "DatabaseWorker.h"
#include "Presentation.h"

#include <QAction>
#include <QMessageBox>
#include <QWidget>

namespace rotor {

AdminActions::AdminActions(QWidget *dialogParent, std::function<RowTarget()> currentTarget)
    : QObject(dialogParent)
    , m_dialogParent(dialogParent)
    , m_currentTarget(std::move(currentTarget))
{
    const auto make = [this](const char *name, const char *icon, const QString &text) {
        auto *action = new QAction(icons::named(icon), text, this);
        action->setObjectName(QLatin1String(name));
        m_actions.append(action);
        return action;
    };
    QAction *revokeFamilyAction = make("revokeFamilyAction", "revoke", tr("Revoke &session\u2026"));
    QAction *revokeUserAction = make("revokeUserAction", "revoke", tr("Revoke all sessions of &user\u2026"));
    QAction *deactivate = make("deactivateAction", "user-inactive", tr("&Deactivate user\u2026"));
    QAction *reactivate = make("reactivateAction", "reactivate", tr("Re&activate user\u2026"));
    // Delete revokes only while a list has the focus (the list adds the action), never while typing in a filter.
    revokeFamilyAction->setShortcut(QKeySequence::Delete);
    revokeFamilyAction->setShortcutContext(Qt::WidgetShortcut);
    connect(revokeFamilyAction, &QAction::triggered, this, &AdminActions::revokeFamily);
    connect(revokeUserAction, &QAction::triggered, this, &AdminActions::revokeUser);
    connect(deactivate, &QAction::triggered, this, [this]() { setUserActive(false); });
    connect(reactivate, &QAction::triggered, this, [this]() { setUserActive(true); });
    update({}, {});
}

AdminActions::~AdminActions() = default;

QAction *AdminActions::action(Kind kind) const
{
    return m_actions.at(int(kind));
}

void AdminActions::attach(const ConnectionSpec &spec, DatabaseWorker *worker)
{
    detach();
    m_spec = spec;
    m_receiver = std::make_unique<QObject>();
    m_worker = worker;
}

void AdminActions::detach()
{
    m_receiver.reset(); // answers still on their way find no receiver
    m_worker = nullptr;
    m_spec = {};
    setBusy(false);
}

void AdminActions::setBusy(bool busy)
{
    if (m_busy == busy)
        return;
    m_busy = busy;
    emit busyChanged();
}

void AdminActions::update(const QList<Kind> &offered, const RowTarget &target)
{
    m_offered = offered;
    const bool writable = m_worker && !m_spec.readOnly;
    const bool ready = writable && !m_busy;
    // Read-only: every writing action is hidden, not just greyed out.
    for (int i = 0; i < m_actions.size(); ++i)
        m_actions.at(i)->setVisible(writable && offered.contains(Kind(i)));
    action(Kind::RevokeFamily)
        ->setEnabled(ready && target.familyId > 0
                     && (target.familyState.isEmpty() || target.familyState == QLatin1String("active")));
    action(Kind::RevokeUser)->setEnabled(ready && target.userId > 0);
    // Deactivate or reactivate, whichever applies (both while the user's state is not known).
    action(Kind::Deactivate)->setVisible(action(Kind::Deactivate)->isVisible() && target.userActive != 0);
    action(Kind::Deactivate)->setEnabled(ready && target.userId > 0 && target.userActive == 1);
    action(Kind::Reactivate)->setVisible(action(Kind::Reactivate)->isVisible() && target.userActive == 0);
    action(Kind::Reactivate)->setEnabled(ready && target.userId > 0 && target.userActive == 0);
}

void AdminActions::withPreview(const QString &title,
                               std::function<bool(Catalog &, RevocationPreview *, QString *)> read,
                               std::function<void(const RevocationPreview &)> confirm)
{
    struct Preview
    {
        bool ok = false;
        RevocationPreview preview;
        QString error;
    };
    setBusy(true);
    m_worker->run<Preview>(
        m_receiver.get(),
        [read](Database &db) {
            SystemClock clock;
            Catalog catalog(db, clock);
            Preview result;
            result.ok = read(catalog, &result.preview, &result.error);
            return result;
        },
        [this, title, confirm](const Preview &result) {
            setBusy(false);
            if (!result.ok) {
                QMessageBox::warning(m_dialogParent, title, result.error);
                return;
            }
            confirm(result.preview);
        });
}

void AdminActions::revokeFamily()
{
    const RowTarget target = m_currentTarget();
    update(m_offered, target); // judged on the row selected now
    if (!action(Kind::RevokeFamily)->isEnabled() || target.familyId <= 0)
        return;
    withPreview(
        tr("Revoke session"),
        [id = target.familyId](Catalog &catalog, RevocationPreview *preview, QString *error) {
            return catalog.previewFamilyRevocation(id, preview, error);
        },
        [this, target](const RevocationPreview &preview) {
            QString reason;
            if (!dialogs::confirmRevokeFamily(m_dialogParent, target.familyId, target.userEmail, preview, &reason)) {
                emit statusMessage(tr("Nothing was revoked."), 5000);
                return;
            }
            runWrite(tr("Session %1 revoked.").arg(target.familyId),
                     [id = target.familyId, reason, spec = m_spec](Database &db, QString *error) {
                         SystemClock clock;
                         return AdminService(db, clock, Actor::forConnection(spec)).revokeFamily(id, reason, error);
                     });
        });
}

void AdminActions::revokeUser()
{
    const RowTarget target = m_currentTarget();
    update(m_offered, target); // judged on the row selected now
    if (!action(Kind::RevokeUser)->isEnabled() || target.userId <= 0)
        return;
    withPreview(
        tr("Revoke all sessions"),
        [id = target.userId](Catalog &catalog, RevocationPreview *preview, QString *error) {
            return catalog.previewUserRevocation(id, preview, error);
        },
        [this, target](const RevocationPreview &preview) {
            QString reason;
            if (!dialogs::confirmRevokeUser(m_dialogParent, target.userEmail, preview, &reason)) {
                emit statusMessage(tr("Nothing was revoked."), 5000);
                return;
            }
            runWrite(
                tr("All sessions of %1 revoked.").arg(target.userEmail),
                [id = target.userId, reason, spec = m_spec](Database &db, QString *error) {
                    SystemClock clock;
                    int revoked = 0;
                    return AdminService(db, clock, Actor::forConnection(spec)).revokeUser(id, reason, &revoked, error);
                });
        });
}

void AdminActions::setUserActive(bool active)
{
    const RowTarget target = m_currentTarget();
    update(m_offered, target); // judged on the row selected now
    if (!action(active ? Kind::Reactivate : Kind::Deactivate)->isEnabled() || target.userId <= 0)
        return;
    QString reason;
    if (!dialogs::confirmSetActive(m_dialogParent, target.userEmail, active, &reason)) {
        emit statusMessage(tr("Nothing was changed."), 5000);
        return;
    }
    runWrite(active ? tr("%1 reactivated.").arg(target.userEmail) : tr("%1 deactivated.").arg(target.userEmail),
             [id = target.userId, active, reason, spec = m_spec](Database &db, QString *error) {
                 SystemClock clock;
                 return AdminService(db, clock, Actor::forConnection(spec)).setUserActive(id, active, reason, error);
             });
}

void AdminActions::runWrite(const QString &doneMessage, std::function<bool(Database &, QString *)> write)
{
    if (!m_worker || m_spec.readOnly)
        return;
    setBusy(true);
    m_worker->run<std::pair<bool, QString>>(
        m_receiver.get(),
        [write = std::move(write)](Database &db) {
            std::pair<bool, QString> result;
            result.first = write(db, &result.second);
            return result;
        },
        [this, doneMessage](const std::pair<bool, QString> &result) {
            setBusy(false);
            if (result.first)
                emit statusMessage(doneMessage, 8000);
            else
                QMessageBox::warning(m_dialogParent, tr("Not done"), result.second);
            emit finished(result.first, result.first ? doneMessage : result.second);
        });
}

} // namespace rotor
