#pragma once

#include <QString>

namespace rotor {
class Database;
}

namespace rotor::test {

// What must hold in a Rotor database at every moment a transaction is not open, whatever happened before
// (crashes included). Returns false and describes every violation in failure:
//  1. no family has two live tokens (unused and unrevoked; stricter than "and unexpired");
//  2. no consumed token lacks a successor (generation + 1, same family) unless its family is revoked;
//  3. no unused, unrevoked token lives in a revoked family;
//  4. the audit chain verifies (AdminService::verifyAudit);
//  5. no raw token is stored: no text column contains "rtr_", no binary column starts with it;
//  6. on SQLite, PRAGMA integrity_check says ok.
bool checkInvariants(Database &db, QString *failure);

} // namespace rotor::test
