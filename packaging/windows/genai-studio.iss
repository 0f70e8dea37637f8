; Inno Setup script for GenAI Studio (Windows x64). Built by the installers workflow
; (.github/workflows/installers.yml) on windows-latest; never run on the Linux project machine.
;   py -3.11 packaging\build.py   (dist\GenAI-Studio\ with both executables, then this script
;                                  through packaging/desktop.py, which passes the defines below)
; or by hand: iscc /DAppVersion=0.1.0 packaging\windows\genai-studio.iss
; Output: dist\GenAI-Studio-<version>-windows-x64-setup.exe
; Installs per user by default (no admin needed), offers a per-machine install.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "GenAI Studio"
#ifndef SourceDir
  #define SourceDir "..\..\dist\GenAI-Studio"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif
#ifndef OutputBaseFilename
  #define OutputBaseFilename "GenAI-Studio-" + AppVersion + "-windows-x64-setup"
#endif

[Setup]
AppId={{6F1C3B52-8E0A-4D53-9A54-2B7E0C1D9A61}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=GenAI Studio
DefaultDirName={autopf}\GenAI Studio
DefaultGroupName=GenAI Studio
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename={#OutputBaseFilename}
SetupIconFile=..\..\resources\icons\genai-studio.ico
UninstallDisplayIcon={app}\GenAI Studio.exe
; torch's libraries are large and already compressed poorly; lzma2 is still the smallest.
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the genai-studio command to PATH"; Flags: unchecked

[Files]
; The whole one-folder bundle: genai-studio.exe (console, for the CLI), GenAI Studio.exe
; (windowed, for the Start menu) and _internal\ (Python, torch, Qt, MNIST, the models).
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\GenAI Studio"; Filename: "{app}\GenAI Studio.exe"
Name: "{autodesktop}\GenAI Studio"; Filename: "{app}\GenAI Studio.exe"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\GenAI Studio.exe"; Description: "{cm:LaunchProgram,GenAI Studio}"; Flags: nowait postinstall skipifsilent

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Path) then
  begin
    Result := True;
    exit;
  end;
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;
