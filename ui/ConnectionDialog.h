#pragma once

#include "ConnectionSpec.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QStackedWidget;

namespace rotor {

// Chooses the database the console works on: a SQLite file or a PostgreSQL server, optionally read-only, or one
// of the recent connections. Connect tests the connection on a worker thread (the dialog stays responsive, with a
// busy indicator) and accepts only once it opened; a failure is explained inside the dialog and nothing is
// changed. Only a SQLite file, and only with "Create a new database" ticked, is ever created.
// The password stays in memory: recent connections are remembered without it.
class ConnectionDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ConnectionDialog(QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // The connection that was tested, once accepted; before that, what the form says.
    ConnectionSpec spec() const;

    // Fills the form from spec (the password too, if it has one).
    void setSpec(const ConnectionSpec &spec);

    // A failure to open, put in plain words: what is wrong, then the database's own message.
    static QString explainError(const ConnectionSpec &spec, const QString &error);

public slots:
    void reject() override;

private:
    void buildUi();
    void loadRecent();
    // The recent connection selected in the list, or nullptr (none, or a test is running).
    const ConnectionSpec *selectedRecent() const;
    void fillFromRecent();
    void forgetSelectedRecent();
    void updateBackendPage();
    void browse();
    void tryConnect();
    void finishAttempt(quint64 attempt, const ConnectionSpec &spec, bool ok, const QString &error);
    void setBusy(bool busy);
    void showError(const QString &message);
    bool validate(const ConnectionSpec &spec, QString *problem) const;
    ConnectionSpec specFromForm() const;

    QListWidget *m_recentList = nullptr;
    QRadioButton *m_sqliteRadio = nullptr;
    QRadioButton *m_postgresRadio = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLineEdit *m_pathEdit = nullptr;
    QPushButton *m_browseButton = nullptr;
    QCheckBox *m_createCheck = nullptr;
    QLineEdit *m_hostEdit = nullptr;
    QSpinBox *m_portSpin = nullptr;
    QLineEdit *m_databaseEdit = nullptr;
    QLineEdit *m_userEdit = nullptr;
    QLineEdit *m_passwordEdit = nullptr;
    QComboBox *m_sslModeCombo = nullptr;
    QCheckBox *m_readOnlyCheck = nullptr;
    QProgressBar *m_busyIndicator = nullptr;
    QLabel *m_statusLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
    QPushButton *m_connectButton = nullptr;

    QList<ConnectionSpec> m_recent;
    ConnectionSpec m_connected;
    bool m_hasConnected = false;
    bool m_busy = false;
    quint64 m_attempt = 0; // results of an older attempt (or one given up with Cancel) are ignored
};

} // namespace rotor
