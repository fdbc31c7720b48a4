#pragma once

#include <QLocale>
#include <QStringList>

class QCoreApplication;

namespace rotor::translations {

// Installs the console's translations for locale into app (the translators belong to app):
// - the English plural forms (:/i18n/rotor_en.qm), always, beneath everything else: English is the source
//   language, so they are what every string not (yet) translated falls back to ("1 session", not "1 sessions");
// - the locale's own translation (:/i18n/rotor_<lang>.qm), if there is one;
// - Qt's own translations (qtbase_<lang>.qm from Qt's translations folder), if they are installed.
// Returns the files loaded, for diagnostics.
QStringList install(QCoreApplication *app, const QLocale &locale = QLocale());

} // namespace rotor::translations
