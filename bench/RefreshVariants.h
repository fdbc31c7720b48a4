#pragma once

#include "FloorCrypto.h"

#include "ConnectionSpec.h"
#include "Keys.h"
#include "Policy.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <memory>

// The ways of doing one refresh that refresh_bench compares, all on one prepared database:
//   rotor  RotationService::refresh on a warm connection;
//   floor  the same SQL through the database's C API (sqlite3 / libpq), prepared once, with the same crypto;
//   naive  the ORM-style code Rotor replaces: one query per repository call, each prepared anew, no transaction;
//   flood  rotor again, while a second connection presents random (unknown) tokens as fast as it can.
namespace bench {

// What the benchmark's clients say about themselves on every refresh.
struct Client
{
    QByteArray ip = "203.0.113.7";
    QByteArray userAgent = "RotorBench/1.0 (refresh_bench)";
};

class Variant
{
public:
    explicit Variant(QString name)
        : m_name(std::move(name))
    { }
    virtual ~Variant() = default;
    Variant(const Variant &) = delete;
    Variant &operator=(const Variant &) = delete;

    const QString &name() const { return m_name; }
    // Opens the variant's own connection and prepares what it prepares. Not timed.
    virtual bool start(QString *error) = 0;
    // Presents *token for a refresh; on success *token becomes its successor, the next link of the chain.
    virtual bool rotate(QByteArray *token, QString *error) = 0;
    // How one refresh reaches the database, in a few words, for the report.
    virtual QString method() const = 0;
    // Around each measured run of rotations (load that must only run while this variant is measured).
    virtual void beginRun() { }
    virtual void endRun() { }
    // Facts for the report beyond the timings (JSON object members).
    virtual QJsonObject extra() const { return {}; }

private:
    QString m_name;
};

std::unique_ptr<Variant> makeRotor(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                   const rotor::Policy &policy, const Client &client);
std::unique_ptr<Variant> makeSqliteFloor(const QString &path, const floor::Keys &keys, const rotor::Policy &policy,
                                         const Client &client);
std::unique_ptr<Variant> makePostgresFloor(const QString &uri, const floor::Keys &keys, const rotor::Policy &policy,
                                           const Client &client);
std::unique_ptr<Variant> makeFlooded(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                     const rotor::Policy &policy, const Client &client);
std::unique_ptr<Variant> makeNaive(const rotor::ConnectionSpec &spec, const rotor::Keys &keys,
                                   const rotor::Policy &policy, const Client &client);

} // namespace bench
