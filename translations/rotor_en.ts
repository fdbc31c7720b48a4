<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>Presentation</name>
    <message numerus="yes">
        <location filename="../ui/Presentation.cpp" line="+350"/>
        <source>%Ln users</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln user</numerusform>
            <numerusform>%Ln users</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln devices</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln device</numerusform>
            <numerusform>%Ln devices</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln sessions</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln session</numerusform>
            <numerusform>%Ln sessions</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln security events</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln security event</numerusform>
            <numerusform>%Ln security events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln audit entries</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln audit entry</numerusform>
            <numerusform>%Ln audit entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%Ln refresh tokens</source>
        <comment>row count</comment>
        <translation>
            <numerusform>%Ln refresh token</numerusform>
            <numerusform>%Ln refresh tokens</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>rotor::AdminService</name>
    <message numerus="yes">
        <location filename="../core/AdminService.cpp" line="+248"/>
        <source>%n session(s) revoked by %1 (%2): %3</source>
        <translation>
            <numerusform>%n session revoked by %1 (%2): %3</numerusform>
            <numerusform>%n sessions revoked by %1 (%2): %3</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>rotor::Exporter</name>
    <message numerus="yes">
        <location filename="../ui/Exporter.cpp" line="+201"/>
        <source>Exporting to %1: %2 of %Ln rows</source>
        <translation>
            <numerusform>Exporting to %1: %2 of %Ln row</numerusform>
            <numerusform>Exporting to %1: %2 of %Ln rows</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>rotor::MainWindow</name>
    <message numerus="yes">
        <location filename="../ui/MainWindow.cpp" line="+586"/>
        <source>%Ln new security events</source>
        <comment>live alert</comment>
        <translation>
            <numerusform>%Ln new security event</numerusform>
            <numerusform>%Ln new security events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>and %Ln more events</source>
        <comment>live alert</comment>
        <translation>
            <numerusform>and %Ln more event</numerusform>
            <numerusform>and %Ln more events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+74"/>
        <source>%Ln new security events</source>
        <comment>navigation</comment>
        <translation>
            <numerusform>%Ln new security event</numerusform>
            <numerusform>%Ln new security events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+27"/>
        <source>Audit chain intact (%Ln entries verified)</source>
        <translation>
            <numerusform>Audit chain intact (%Ln entry verified)</numerusform>
            <numerusform>Audit chain intact (%Ln entries verified)</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>rotor::TableView</name>
    <message numerus="yes">
        <location filename="../ui/TableView.cpp" line="+374"/>
        <source>Reading %Ln rows to copy…</source>
        <translation>
            <numerusform>Reading %Ln row to copy…</numerusform>
            <numerusform>Reading %Ln rows to copy…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>Copied %Ln rows.</source>
        <translation>
            <numerusform>Copied %Ln row.</numerusform>
            <numerusform>Copied %Ln rows.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>rotor::dialogs::ConfirmDialog</name>
    <message numerus="yes">
        <location filename="../ui/ActionDialogs.cpp" line="+175"/>
        <source>Revoke %n live sessions of %1 on: %2.</source>
        <translation>
            <numerusform>Revoke %n live session of %1 on: %2.</numerusform>
            <numerusform>Revoke %n live sessions of %1 on: %2.</numerusform>
        </translation>
    </message>
</context>
</TS>
