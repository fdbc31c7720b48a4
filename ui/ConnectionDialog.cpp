#include "ConnectionDialog.h"

#include "DatabaseWorker.h"
#include "Paths.h"
#include "RecentConnections.h"

#include <QAction>
#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace rotor {

namespace {

constexpr int specRole = Qt::UserRole;

// The sslmode values libpq knows; the empty one leaves libpq's default (prefer).
const QStringList &sslModes()
{
    static const QStringList modes = {QString(),
                                      QStringLiteral("disable"),
                                      QStringLiteral("allow"),
                                      QStringLiteral("prefer"),
                                      QStringLiteral("require"),
                                      QStringLiteral("verify-ca"),
                                      QStringLiteral("verify-full")};
    return modes;
}

} // namespace

ConnectionDialog::ConnectionDialog(QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Open a Rotor Database"));
    buildUi();
    loadRecent();
    if (m_recentList->count() > 0) {
        m_recentList->setCurrentRow(0);
        m_recentList->setFocus();
    } else {
        m_pathEdit->setText(paths::defaultDemoDatabase());
        m_pathEdit->setFocus();
    }
    updateBackendPage();
}

ConnectionDialog::~ConnectionDialog() = default;

void ConnectionDialog::buildUi()
{
    m_recentList = new QListWidget(this);
    m_recentList->setObjectName(QStringLiteral("recentList"));
    m_recentList->setMinimumWidth(240);
    m_recentList->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_recentList->setToolTip(tr("Databases opened lately (passwords are never remembered)"));
    auto *forgetAction = new QAction(tr("&Forget This Connection"), m_recentList);
    forgetAction->setShortcut(QKeySequence::Delete);
    forgetAction->setShortcutContext(Qt::WidgetShortcut);
    m_recentList->addAction(forgetAction);
    connect(forgetAction, &QAction::triggered, this, &ConnectionDialog::forgetSelectedRecent);
    connect(m_recentList, &QListWidget::currentRowChanged, this, &ConnectionDialog::fillFromRecent);
    connect(m_recentList, &QListWidget::itemActivated, this, &ConnectionDialog::tryConnect);
    auto *recentLabel = new QLabel(tr("&Recent connections:"), this);
    recentLabel->setBuddy(m_recentList);

    m_sqliteRadio = new QRadioButton(tr("&SQLite file"), this);
    m_sqliteRadio->setObjectName(QStringLiteral("sqliteRadio"));
    m_postgresRadio = new QRadioButton(tr("&PostgreSQL server"), this);
    m_postgresRadio->setObjectName(QStringLiteral("postgresRadio"));
    m_sqliteRadio->setChecked(true);
    auto *backendGroup = new QButtonGroup(this);
    backendGroup->addButton(m_sqliteRadio);
    backendGroup->addButton(m_postgresRadio);
    connect(m_sqliteRadio, &QRadioButton::toggled, this, &ConnectionDialog::updateBackendPage);

    // SQLite page
    auto *sqlitePage = new QWidget(this);
    m_pathEdit = new QLineEdit(sqlitePage);
    m_pathEdit->setObjectName(QStringLiteral("pathEdit"));
    m_pathEdit->setPlaceholderText(tr("Path of a .sqlite file"));
    m_pathEdit->setClearButtonEnabled(true);
    m_browseButton = new QPushButton(tr("&Browse..."), sqlitePage);
    m_browseButton->setObjectName(QStringLiteral("browseButton"));
    m_browseButton->setAutoDefault(false);
    connect(m_browseButton, &QPushButton::clicked, this, &ConnectionDialog::browse);
    m_createCheck = new QCheckBox(tr("Create a &new, empty database if there is no file at this path"), sqlitePage);
    m_createCheck->setObjectName(QStringLiteral("createCheck"));
    auto *pathRow = new QHBoxLayout;
    pathRow->addWidget(m_pathEdit, 1);
    pathRow->addWidget(m_browseButton);
    auto *sqliteForm = new QFormLayout(sqlitePage);
    sqliteForm->setContentsMargins(0, 0, 0, 0);
    sqliteForm->addRow(tr("&File:"), pathRow);
    qobject_cast<QLabel *>(sqliteForm->labelForField(pathRow))->setBuddy(m_pathEdit);
    sqliteForm->addRow(QString(), m_createCheck);

    // PostgreSQL page
    auto *postgresPage = new QWidget(this);
    m_hostEdit = new QLineEdit(QStringLiteral("localhost"), postgresPage);
    m_hostEdit->setObjectName(QStringLiteral("hostEdit"));
    m_portSpin = new QSpinBox(postgresPage);
    m_portSpin->setObjectName(QStringLiteral("portSpin"));
    m_portSpin->setRange(1, 65535);
    m_portSpin->setValue(5432);
    m_portSpin->setGroupSeparatorShown(false);
    m_databaseEdit = new QLineEdit(QStringLiteral("rotor"), postgresPage);
    m_databaseEdit->setObjectName(QStringLiteral("databaseEdit"));
    m_userEdit = new QLineEdit(postgresPage);
    m_userEdit->setObjectName(QStringLiteral("userEdit"));
    m_passwordEdit = new QLineEdit(postgresPage);
    m_passwordEdit->setObjectName(QStringLiteral("passwordEdit"));
    m_passwordEdit->setEchoMode(QLineEdit::Password);
    m_passwordEdit->setPlaceholderText(tr("Not remembered"));
    m_sslModeCombo = new QComboBox(postgresPage);
    m_sslModeCombo->setObjectName(QStringLiteral("sslModeCombo"));
    for (const QString &mode : sslModes())
        m_sslModeCombo->addItem(mode.isEmpty() ? tr("Default (prefer)") : mode, mode);
    auto *postgresForm = new QFormLayout(postgresPage);
    postgresForm->setContentsMargins(0, 0, 0, 0);
    postgresForm->addRow(tr("&Host:"), m_hostEdit);
    postgresForm->addRow(tr("P&ort:"), m_portSpin);
    postgresForm->addRow(tr("&Database:"), m_databaseEdit);
    postgresForm->addRow(tr("&User:"), m_userEdit);
    postgresForm->addRow(tr("Pass&word:"), m_passwordEdit);
    postgresForm->addRow(tr("SSL &mode:"), m_sslModeCombo);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(sqlitePage);
    m_pages->addWidget(postgresPage);

    m_readOnlyCheck = new QCheckBox(tr("Read-on&ly: look, but never change anything"), this);
    m_readOnlyCheck->setObjectName(QStringLiteral("readOnlyCheck"));
    connect(m_readOnlyCheck, &QCheckBox::toggled, this, [this](bool readOnly) {
        // A read-only connection cannot create a database.
        m_createCheck->setEnabled(!readOnly && !m_busy);
        if (readOnly)
            m_createCheck->setChecked(false);
    });

    m_busyIndicator = new QProgressBar(this);
    m_busyIndicator->setObjectName(QStringLiteral("busyIndicator"));
    m_busyIndicator->setRange(0, 0);
    m_busyIndicator->setTextVisible(false);
    m_busyIndicator->setMaximumHeight(8);
    m_busyIndicator->hide();
    m_statusLabel = new QLabel(this);
    m_statusLabel->setObjectName(QStringLiteral("statusLabel"));
    m_statusLabel->hide();
    m_errorLabel = new QLabel(this);
    m_errorLabel->setObjectName(QStringLiteral("errorLabel"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextFormat(Qt::RichText);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setFrameShape(QFrame::StyledPanel);
    m_errorLabel->setMargin(6);
    m_errorLabel->setForegroundRole(QPalette::BrightText);
    m_errorLabel->setStyleSheet(QStringLiteral("QLabel { background: #fdecea; color: #611a15; }"));
    m_errorLabel->hide();

    m_buttons = new QDialogButtonBox(this);
    m_connectButton = m_buttons->addButton(tr("&Connect"), QDialogButtonBox::AcceptRole);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    m_connectButton->setDefault(true);
    QPushButton *cancelButton = m_buttons->addButton(QDialogButtonBox::Cancel);
    cancelButton->setObjectName(QStringLiteral("cancelButton"));
    cancelButton->setAutoDefault(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ConnectionDialog::tryConnect);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &ConnectionDialog::reject);

    auto *backendRow = new QHBoxLayout;
    backendRow->addWidget(m_sqliteRadio);
    backendRow->addWidget(m_postgresRadio);
    backendRow->addStretch(1);
    auto *form = new QVBoxLayout;
    form->addLayout(backendRow);
    form->addWidget(m_pages);
    form->addWidget(m_readOnlyCheck);
    form->addStretch(1);

    auto *recentColumn = new QVBoxLayout;
    recentColumn->addWidget(recentLabel);
    recentColumn->addWidget(m_recentList, 1);

    auto *columns = new QHBoxLayout;
    columns->addLayout(recentColumn);
    columns->addLayout(form, 1);

    auto *statusRow = new QHBoxLayout;
    statusRow->addWidget(m_busyIndicator, 1);
    statusRow->addWidget(m_statusLabel, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addLayout(statusRow);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_buttons);

    QWidget::setTabOrder(m_recentList, m_sqliteRadio);
    QWidget::setTabOrder(m_sqliteRadio, m_postgresRadio);
    QWidget::setTabOrder(m_postgresRadio, m_pathEdit);
    QWidget::setTabOrder(m_pathEdit, m_browseButton);
    QWidget::setTabOrder(m_browseButton, m_createCheck);
    QWidget::setTabOrder(m_createCheck, m_hostEdit);
    QWidget::setTabOrder(m_hostEdit, m_portSpin);
    QWidget::setTabOrder(m_portSpin, m_databaseEdit);
    QWidget::setTabOrder(m_databaseEdit, m_userEdit);
    QWidget::setTabOrder(m_userEdit, m_passwordEdit);
    QWidget::setTabOrder(m_passwordEdit, m_sslModeCombo);
    QWidget::setTabOrder(m_sslModeCombo, m_readOnlyCheck);
    QWidget::setTabOrder(m_readOnlyCheck, m_connectButton);
    QWidget::setTabOrder(m_connectButton, cancelButton);
    resize(760, 380);
}

void ConnectionDialog::loadRecent()
{
    m_recent = RecentConnections::load();
    const QSignalBlocker blocker(m_recentList);
    m_recentList->clear();
    for (int i = 0; i < m_recent.size(); ++i) {
        const ConnectionSpec &spec = m_recent.at(i);
        QString text = spec.backend == Backend::Sqlite ? QFileInfo(spec.sqlitePath).fileName()
                                                       : tr("%1 on %2").arg(spec.databaseName, spec.host);
        if (spec.readOnly)
            text = tr("%1 (read-only)").arg(text);
        auto *item = new QListWidgetItem(text, m_recentList);
        item->setToolTip(spec.displayName());
        item->setData(specRole, i);
    }
}

const ConnectionSpec *ConnectionDialog::selectedRecent() const
{
    const QListWidgetItem *item = m_recentList->currentItem();
    if (!item || m_busy)
        return nullptr;
    const int index = item->data(specRole).toInt();
    return index >= 0 && index < m_recent.size() ? &m_recent.at(index) : nullptr;
}

void ConnectionDialog::fillFromRecent()
{
    if (const ConnectionSpec *recent = selectedRecent()) {
        setSpec(*recent);
        m_errorLabel->hide();
    }
}

void ConnectionDialog::forgetSelectedRecent()
{
    if (const ConnectionSpec *recent = selectedRecent()) {
        RecentConnections::forget(*recent);
        loadRecent();
    }
}

void ConnectionDialog::setSpec(const ConnectionSpec &spec)
{
    const bool sqlite = spec.backend == Backend::Sqlite;
    m_sqliteRadio->setChecked(sqlite);
    m_postgresRadio->setChecked(!sqlite);
    if (sqlite) {
        m_pathEdit->setText(spec.sqlitePath);
        m_createCheck->setChecked(false);
    } else {
        m_hostEdit->setText(spec.host);
        m_portSpin->setValue(spec.port);
        m_databaseEdit->setText(spec.databaseName);
        m_userEdit->setText(spec.userName);
        m_passwordEdit->setText(spec.password);
        const int ssl = m_sslModeCombo->findData(spec.sslMode);
        m_sslModeCombo->setCurrentIndex(ssl < 0 ? 0 : ssl);
    }
    m_readOnlyCheck->setChecked(spec.readOnly);
    updateBackendPage();
}

void ConnectionDialog::updateBackendPage()
{
    m_pages->setCurrentIndex(m_sqliteRadio->isChecked() ? 0 : 1);
}

void ConnectionDialog::browse()
{
    const QString filter = tr("SQLite databases (*.sqlite *.sqlite3 *.db);;All files (*)");
    QString start = m_pathEdit->text().trimmed();
    if (start.isEmpty())
        start = QFileInfo(paths::defaultDemoDatabase()).absolutePath();
    const QString path = m_createCheck->isChecked()
        ? QFileDialog::getSaveFileName(this, tr("New Rotor Database"), start, filter, nullptr,
                                       QFileDialog::DontConfirmOverwrite)
        : QFileDialog::getOpenFileName(this, tr("Open a Rotor Database"), start, filter);
    if (!path.isEmpty())
        m_pathEdit->setText(path);
}

ConnectionSpec ConnectionDialog::specFromForm() const
{
    ConnectionSpec spec;
    if (m_sqliteRadio->isChecked()) {
        spec = ConnectionSpec::sqlite(m_pathEdit->text().trimmed());
    } else {
        spec.backend = Backend::Postgres;
        spec.host = m_hostEdit->text().trimmed();
        spec.port = m_portSpin->value();
        spec.databaseName = m_databaseEdit->text().trimmed();
        spec.userName = m_userEdit->text().trimmed();
        spec.password = m_passwordEdit->text();
        spec.sslMode = m_sslModeCombo->currentData().toString();
    }
    spec.readOnly = m_readOnlyCheck->isChecked();
    return spec;
}

ConnectionSpec ConnectionDialog::spec() const
{
    return m_hasConnected ? m_connected : specFromForm();
}

bool ConnectionDialog::validate(const ConnectionSpec &spec, QString *problem) const
{
    if (spec.backend == Backend::Sqlite) {
        if (spec.sqlitePath.isEmpty()) {
            *problem = tr("Choose a database file.");
            return false;
        }
        return true;
    }
    if (spec.host.isEmpty()) {
        *problem = tr("Enter the host name or address of the PostgreSQL server.");
        return false;
    }
    if (spec.databaseName.isEmpty()) {
        *problem = tr("Enter the name of the database on the server.");
        return false;
    }
    return true;
}

void ConnectionDialog::tryConnect()
{
    if (m_busy)
        return;
    const ConnectionSpec candidate = specFromForm();
    QString problem;
    if (!validate(candidate, &problem)) {
        showError(problem.toHtmlEscaped());
        return;
    }
    const Database::OpenMode mode = candidate.backend == Backend::Sqlite && m_createCheck->isChecked()
        ? Database::OpenMode::CreateIfMissing
        : Database::OpenMode::OpenExisting;
    const quint64 attempt = ++m_attempt;
    setBusy(true);
    m_statusLabel->setText(tr("Connecting to %1...").arg(candidate.displayName()));

    // The worker deletes itself once its attempt is over, even if the dialog is gone by then or the user gave up:
    // a slow server must never block the dialog (or the program) while it closes.
    auto *worker = new DatabaseWorker(candidate);
    QPointer<ConnectionDialog> dialog(this);
    worker->open(mode, worker, [worker, dialog, attempt, candidate](bool ok, QString error) {
        worker->deleteLater();
        if (dialog)
            dialog->finishAttempt(attempt, candidate, ok, error);
    });
}

void ConnectionDialog::finishAttempt(quint64 attempt, const ConnectionSpec &spec, bool ok, const QString &error)
{
    if (attempt != m_attempt)
        return;
    setBusy(false);
    if (!ok) {
        showError(explainError(spec, error));
        return;
    }
    m_connected = spec;
    m_hasConnected = true;
    m_errorLabel->hide();
    RecentConnections::remember(spec);
    accept();
}

void ConnectionDialog::reject()
{
    ++m_attempt; // a connection still being tried is given up; its result is ignored
    setBusy(false);
    QDialog::reject();
}

void ConnectionDialog::setBusy(bool busy)
{
    m_busy = busy;
    m_busyIndicator->setVisible(busy);
    m_statusLabel->setVisible(busy);
    m_connectButton->setEnabled(!busy);
    for (QWidget *widget : {static_cast<QWidget *>(m_recentList), static_cast<QWidget *>(m_sqliteRadio),
                            static_cast<QWidget *>(m_postgresRadio), static_cast<QWidget *>(m_pages),
                            static_cast<QWidget *>(m_readOnlyCheck)})
        widget->setEnabled(!busy);
    m_createCheck->setEnabled(!busy && !m_readOnlyCheck->isChecked());
    if (busy)
        m_errorLabel->hide();
}

void ConnectionDialog::showError(const QString &message)
{
    m_errorLabel->setText(message);
    m_errorLabel->show();
}

QString ConnectionDialog::explainError(const ConnectionSpec &spec, const QString &error)
{
    // The core's and libpq's messages are precise but technical; a headline says what it means for the user.
    // (Recognized in English; any other message is shown as it is.)
    const auto has = [&error](const char *text) { return error.contains(QLatin1String(text), Qt::CaseInsensitive); };
    QString headline;
    if (has("written by a newer Rotor")) {
        headline = tr("This database was written by a newer version of Rotor. Update Rotor to open it. "
                      "The database was not changed.");
    } else if (has("needs an upgrade, which a read-only connection")) {
        headline = tr("This database needs a schema upgrade, which a read-only connection cannot make. Connect once "
                      "without \"Read-only\" to upgrade it.");
    } else if (has("but not a Rotor database") || has("is not a Rotor database") || has("an empty SQLite database")) {
        headline = tr("This is not a Rotor database (it belongs to another program). It was not changed.");
    } else if (has("is not a SQLite database")) {
        headline = tr("This file is not a Rotor database: it is not a SQLite database at all, or it is damaged. It "
                      "was not changed.");
    } else if (has("corrupt")) {
        headline = tr("The database file is damaged or cannot be read. It was not changed.");
    } else if (has("no database at") && spec.backend == Backend::Sqlite) {
        headline = spec.readOnly ? tr("There is no database file at this path.")
                                 : tr("There is no database file at this path. To start a new one, tick \"Create a "
                                      "new, empty database\".");
    } else if (has("is a folder")) {
        headline = tr("This is a folder; choose a database file.");
    } else if (has("password authentication failed") || has("no password supplied") || has("authentication failed")) {
        headline = tr("The server refused the user name or password.");
    } else if (has("could not translate host name") || has("Name or service not known")) {
        headline = tr("The server's host name is unknown. Check the host.");
    } else if (has("Connection refused") || has("could not connect") || has("timeout expired")
               || has("Is the server running") || has("No route to host") || has("Network is unreachable")) {
        headline = tr("The server cannot be reached. Check that it is running and that host and port are right.");
    } else if (has("database \"") && has("does not exist")) {
        headline = tr("The server has no database of that name.");
    } else if (has("role \"") && has("does not exist")) {
        headline = tr("The server has no user of that name.");
    } else if (has("SSL")) {
        headline = tr("A secure (SSL) connection could not be set up. Check the SSL mode.");
    } else if (has("permission denied") || has("readonly") || has("read-only")) {
        headline = tr("Rotor has no permission to use this database as asked.");
    }
    const QString details = error.toHtmlEscaped();
    if (headline.isEmpty())
        return tr("Could not open the database: %1").arg(details);
    return QStringLiteral("<b>%1</b><br><small>%2</small>").arg(headline.toHtmlEscaped(), details);
}

} // namespace rotor
