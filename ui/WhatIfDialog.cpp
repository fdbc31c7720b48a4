#include "WhatIfDialog.h"

#include "Clock.h"
#include "DatabaseWorker.h"
#include "Presentation.h"
#include "RowFormat.h"

#include <QDateTime>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLayout>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace rotor {

WhatIfDialog::WhatIfDialog(DatabaseWorker *worker, qint64 familyId, int generation, int newestGeneration,
                           QWidget *parent)
    : QDialog(parent)
    , m_worker(worker)
    , m_familyId(familyId)
    , m_generation(new QSpinBox)
    , m_now(new QRadioButton(tr("&Now")))
    , m_at(new QRadioButton(tr("&At")))
    , m_atEdit(new QDateTimeEdit(QDateTime::currentDateTime()))
    , m_ask(new QPushButton(tr("&Ask")))
    , m_outcome(new QLabel)
    , m_answerLabel(new QLabel)
{
    setObjectName(QStringLiteral("whatIfDialog"));
    setWindowTitle(tr("What if\u2026 (session %1)").arg(familyId));
    m_generation->setObjectName(QStringLiteral("generationSpin"));
    m_generation->setRange(0, qMax(newestGeneration, generation));
    m_generation->setValue(generation);
    m_now->setObjectName(QStringLiteral("nowRadio"));
    m_at->setObjectName(QStringLiteral("atRadio"));
    m_atEdit->setObjectName(QStringLiteral("atEdit"));
    m_atEdit->setCalendarPopup(true);
    m_atEdit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    m_atEdit->setEnabled(false);
    m_now->setChecked(true);
    m_ask->setObjectName(QStringLiteral("askButton"));
    m_ask->setDefault(true);
    m_outcome->setObjectName(QStringLiteral("outcomeLabel"));
    m_outcome->setTextFormat(Qt::RichText);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_answerLabel->setObjectName(QStringLiteral("answerLabel"));
    m_answerLabel->setTextFormat(Qt::PlainText);
    m_answerLabel->setWordWrap(true);
    m_answerLabel->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_answerLabel->setMinimumWidth(420);
    m_answerLabel->setAlignment(Qt::AlignTop | Qt::AlignLeft);

    auto *intro = new QLabel(tr("The answer comes from the same decision a refresh takes, on the session as it is "
                                "stored now, for the genuine token of that generation. Asking writes nothing."));
    intro->setWordWrap(true);
    auto *when = new QHBoxLayout;
    when->addWidget(m_now);
    when->addWidget(m_at);
    when->addWidget(m_atEdit, 1);
    auto *form = new QFormLayout;
    form->addRow(tr("&Generation:"), m_generation);
    form->addRow(tr("Presented:"), when);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    buttons->addButton(m_ask, QDialogButtonBox::ActionRole);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_outcome);
    layout->addWidget(m_answerLabel, 1);
    layout->addWidget(buttons);

    resize(600, 380);
    connect(m_at, &QRadioButton::toggled, m_atEdit, &QWidget::setEnabled);
    connect(m_ask, &QPushButton::clicked, this, &WhatIfDialog::ask);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void WhatIfDialog::showEvent(QShowEvent *event)
{
    QDialog::showEvent(event);
    if (!m_askedOnce)
        ask(); // "now" needs no choice: the first answer is there as the dialog opens
}

void WhatIfDialog::ask()
{
    m_askedOnce = true;
    const quint64 serial = ++m_serial;
    const qint64 familyId = m_familyId;
    const int generation = m_generation->value();
    const std::optional<qint64> at
        = m_at->isChecked() ? std::optional<qint64>(m_atEdit->dateTime().toMSecsSinceEpoch()) : std::nullopt;
    m_outcome->setText(tr("Asking\u2026").toHtmlEscaped());
    m_answerLabel->clear();
    m_worker->run<Reply>(
        this,
        [serial, familyId, generation, at](Database &db) {
            Reply reply;
            reply.serial = serial;
            SystemClock clock;
            WhatIf whatIf(db, clock);
            reply.ok = whatIf.answer(familyId, generation, at, &reply.answer, &reply.error);
            return reply;
        },
        [this](const Reply &reply) { showReply(reply); });
}

void WhatIfDialog::showReply(const Reply &reply)
{
    if (reply.serial != m_serial)
        return; // a newer question is on its way
    m_hasAnswer = reply.ok;
    if (!reply.ok) {
        m_answer = {};
        m_outcome->setText(QStringLiteral("<b>%1</b>").arg(tr("No answer").toHtmlEscaped()));
        m_answerLabel->setText(reply.error);
        growToFit();
        emit answered();
        return;
    }
    m_answer = reply.answer;
    const QString name = QLatin1String(outcomeName(m_answer.judgement.outcome));
    // The vocabulary's words, as the events list says them, with the name rotorctl and the events use.
    const QString words
        = m_answer.judgement.outcome == Outcome::Rotate ? tr("rotated") : Presentation::eventKindText(name);
    m_outcome->setText(tr("Outcome: <b>%1</b> (<code>%2</code>)").arg(words.toHtmlEscaped(), name));
    QString explanation = m_answer.explanation;
    if (!explanation.isEmpty())
        explanation[0] = explanation.at(0).toUpper();
    const QString grace
        = m_answer.policy.graceMs > 0 ? row_format::elapsed(m_answer.policy.graceMs) : tr("0 (disabled)");
    QStringList lines;
    lines << explanation + QLatin1Char('.');
    lines << tr("Then: %1.").arg(m_answer.consequence);
    lines << tr("Judged at %1 under a grace window of %2; session %3 is at generation %4. Nothing was written.")
                 .arg(Presentation::formatLongTime(m_answer.atMs), grace, QString::number(m_answer.familyId),
                      QString::number(m_answer.currentGeneration));
    m_answerLabel->setText(lines.join(QLatin1String("\n\n")));
    growToFit();
    emit answered();
}

void WhatIfDialog::growToFit()
{
    // Wrapped text needs more height at this width than the dialog opened with.
    const int needed = layout()->hasHeightForWidth() ? layout()->totalHeightForWidth(width()) : sizeHint().height();
    if (needed > height())
        resize(width(), needed);
}

QString WhatIfDialog::outcomeText() const
{
    return m_outcome->text();
}

QString WhatIfDialog::answerText() const
{
    return m_answerLabel->text();
}

} // namespace rotor
