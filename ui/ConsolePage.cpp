#include "ConsolePage.h"

namespace rotor {

void ConsolePage::activate()
{
    if (m_stale) {
        m_stale = false;
        refresh();
    }
    shown();
}

} // namespace rotor
