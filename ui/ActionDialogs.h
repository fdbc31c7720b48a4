#pragma once

#include "Catalog.h"

#include <QString>

class QWidget;

// Confirmations for administrative writes. Each says exactly what will happen before it happens and asks for a
// reason (written to the audit log); the confirm button stays disabled until a reason is given. They return true
// with *reason set when confirmed, false when cancelled. Widgets: "summaryLabel", "reasonEdit" (an editable
// combo box of common reasons), "confirmButton".
namespace rotor::dialogs {

bool confirmRevokeFamily(QWidget *parent, qint64 familyId, const QString &userEmail, const RevocationPreview &preview,
                         QString *reason);
bool confirmRevokeUser(QWidget *parent, const QString &email, const RevocationPreview &preview, QString *reason);
bool confirmSetActive(QWidget *parent, const QString &email, bool active, QString *reason);

} // namespace rotor::dialogs
