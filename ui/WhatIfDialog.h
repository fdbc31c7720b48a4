#pragma once

#include "WhatIf.h"

#include <QDialog>

class QDateTimeEdit;
class QLabel;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace rotor {

class DatabaseWorker;

// "What if this generation were presented?" for one session: the generation, now or a chosen time, and the answer
// of core's WhatIf (decide() on the stored state) in the vocabulary's words. The question runs on the given worker,
// never on the GUI thread, and writes nothing; a newer question drops the answer to an older one.
// Widgets: "generationSpin", "nowRadio", "atRadio", "atEdit", "askButton", "outcomeLabel", "answerLabel".
class WhatIfDialog : public QDialog
{
    Q_OBJECT

public:
    WhatIfDialog(DatabaseWorker *worker, qint64 familyId, int generation, int newestGeneration,
                 QWidget *parent = nullptr);

    // Asks the question as the dialog now poses it (the dialog asks once by itself when it opens).
    void ask();
    bool hasAnswer() const { return m_hasAnswer; }
    const WhatIfAnswer &answer() const { return m_answer; }
    // What the dialog shows: the outcome line and the explanation (or the error).
    QString outcomeText() const;
    QString answerText() const;

signals:
    void answered();

protected:
    void showEvent(QShowEvent *event) override;

private:
    struct Reply
    {
        quint64 serial = 0;
        bool ok = false;
        WhatIfAnswer answer;
        QString error;
    };
    void showReply(const Reply &reply);
    void growToFit();

    DatabaseWorker *m_worker;
    qint64 m_familyId;
    QSpinBox *m_generation;
    QRadioButton *m_now;
    QRadioButton *m_at;
    QDateTimeEdit *m_atEdit;
    QPushButton *m_ask;
    QLabel *m_outcome;
    QLabel *m_answerLabel;
    quint64 m_serial = 0;
    bool m_askedOnce = false;
    bool m_hasAnswer = false;
    WhatIfAnswer m_answer;
};

} // namespace rotor
