#include "Clock.h"

#include <QDateTime>

namespace rotor {

qint64 SystemClock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace rotor
