#pragma once

#include "Decision.h"
#include "Policy.h"

#include <QByteArray>
#include <QString>

class QSqlQuery;

namespace rotor {

// One row of sql::presentedState (RotationSql.h), read the one way that both a refresh (RotationService) and the
// what-if (WhatIf) read it, so the two can never judge different inputs.
struct PresentedRow
{
    // As stored, with the family's end under policy: the earlier of the end stamped at sign-in and its start plus
    // the policy's lifetime (Policy.h). successorMatchesDerived and claimedByCaller are left false: they depend on
    // what is presented and by whom, which the caller knows.
    PresentedState state;
    QByteArray successorHash; // empty when there is no successor
    QByteArray claimId; // of the call that consumed the token, if any
    qint64 tokenId = 0;
    qint64 familyId = 0;
    qint64 userId = 0;
    qint64 deviceId = 0;
    qint64 tokenVersion = 0;
    int currentGeneration = 0;
    // Where the successor was asked for: the presented token's first use.
    QString originalIp;
    QString originalUserAgent;
};

// query is positioned on a row of sql::presentedState.
PresentedRow readPresentedRow(const QSqlQuery &query, const Policy &policy);

} // namespace rotor
