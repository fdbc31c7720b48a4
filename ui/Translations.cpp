#include "Translations.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QTranslator>

namespace rotor::translations {

namespace {

const QString &resourceFolder()
{
    static const QString folder = QStringLiteral(":/i18n");
    return folder;
}

QString englishFile()
{
    return QStringLiteral("rotor_en");
}

// Installs translator if it loaded something; deletes it otherwise.
void installLoaded(QTranslator *translator, bool loaded, QStringList *files)
{
    if (loaded && !translator->isEmpty() && QCoreApplication::installTranslator(translator)) {
        files->append(translator->filePath());
        return;
    }
    delete translator;
}

} // namespace

QStringList install(QCoreApplication *app, const QLocale &locale)
{
    QStringList files;
    // The translator installed last is asked first: English plurals at the bottom, then Qt's strings, then the
    // console's own translation.
    auto *english = new QTranslator(app);
    installLoaded(english, english->load(englishFile(), resourceFolder()), &files);

    auto *qt = new QTranslator(app);
    installLoaded(qt,
                  qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)),
                  &files);

    auto *own = new QTranslator(app);
    const bool loaded = own->load(locale, QStringLiteral("rotor"), QStringLiteral("_"), resourceFolder());
    // An English locale finds rotor_en again: it is installed already.
    installLoaded(own, loaded && QFileInfo(own->filePath()).completeBaseName() != englishFile(), &files);
    return files;
}

} // namespace rotor::translations
