"""X11 core protocol value names, generated from `tshark -G values` (x11.opcode,
x11.eventcode, x11.errorcode, x11.window-class) and the predefined atoms of the X11
protocol (Appendix B), so that the names match tshark's exactly."""

from __future__ import annotations

OPCODES = {
    1: 'CreateWindow', 2: 'ChangeWindowAttributes', 3: 'GetWindowAttributes',
    4: 'DestroyWindow', 5: 'DestroySubwindows', 6: 'ChangeSaveSet', 7: 'ReparentWindow',
    8: 'MapWindow', 9: 'MapSubwindows', 10: 'UnmapWindow', 11: 'UnmapSubwindows',
    12: 'ConfigureWindow', 13: 'CirculateWindow', 14: 'GetGeometry', 15: 'QueryTree',
    16: 'InternAtom', 17: 'GetAtomName', 18: 'ChangeProperty', 19: 'DeleteProperty',
    20: 'GetProperty', 21: 'ListProperties', 22: 'SetSelectionOwner', 23: 'GetSelectionOwner',
    24: 'ConvertSelection', 25: 'SendEvent', 26: 'GrabPointer', 27: 'UngrabPointer',
    28: 'GrabButton', 29: 'UngrabButton', 30: 'ChangeActivePointerGrab', 31: 'GrabKeyboard',
    32: 'UngrabKeyboard', 33: 'GrabKey', 34: 'UngrabKey', 35: 'AllowEvents', 36: 'GrabServer',
    37: 'UngrabServer', 38: 'QueryPointer', 39: 'GetMotionEvents', 40: 'TranslateCoordinates',
    41: 'WarpPointer', 42: 'SetInputFocus', 43: 'GetInputFocus', 44: 'QueryKeymap',
    45: 'OpenFont', 46: 'CloseFont', 47: 'QueryFont', 48: 'QueryTextExtents', 49: 'ListFonts',
    50: 'ListFontsWithInfo', 51: 'SetFontPath', 52: 'GetFontPath', 53: 'CreatePixmap',
    54: 'FreePixmap', 55: 'CreateGC', 56: 'ChangeGC', 57: 'CopyGC', 58: 'SetDashes',
    59: 'SetClipRectangles', 60: 'FreeGC', 61: 'ClearArea', 62: 'CopyArea', 63: 'CopyPlane',
    64: 'PolyPoint', 65: 'PolyLine', 66: 'PolySegment', 67: 'PolyRectangle', 68: 'PolyArc',
    69: 'FillPoly', 70: 'PolyFillRectangle', 71: 'PolyFillArc', 72: 'PutImage', 73: 'GetImage',
    74: 'PolyText8', 75: 'PolyText16', 76: 'ImageText8', 77: 'ImageText16',
    78: 'CreateColormap', 79: 'FreeColormap', 80: 'CopyColormapAndFree', 81: 'InstallColormap',
    82: 'UninstallColormap', 83: 'ListInstalledColormaps', 84: 'AllocColor',
    85: 'AllocNamedColor', 86: 'AllocColorCells', 87: 'AllocColorPlanes', 88: 'FreeColors',
    89: 'StoreColors', 90: 'StoreNamedColor', 91: 'QueryColors', 92: 'LookupColor',
    93: 'CreateCursor', 94: 'CreateGlyphCursor', 95: 'FreeCursor', 96: 'RecolorCursor',
    97: 'QueryBestSize', 98: 'QueryExtension', 99: 'ListExtensions',
    100: 'ChangeKeyboardMapping', 101: 'GetKeyboardMapping', 102: 'ChangeKeyboardControl',
    103: 'GetKeyboardControl', 104: 'Bell', 105: 'ChangePointerControl',
    106: 'GetPointerControl', 107: 'SetScreenSaver', 108: 'GetScreenSaver', 109: 'ChangeHosts',
    110: 'ListHosts', 111: 'SetAccessControl', 112: 'SetCloseDownMode', 113: 'KillClient',
    114: 'RotateProperties', 115: 'ForceScreenSaver', 116: 'SetPointerMapping',
    117: 'GetPointerMapping', 118: 'SetModifierMapping', 119: 'GetModifierMapping',
    127: 'NoOperation', 4294967295: 'Initial connection request',
}
EVENTS = {
    2: 'KeyPress', 3: 'KeyRelease', 4: 'ButtonPress', 5: 'ButtonRelease', 6: 'MotionNotify',
    7: 'EnterNotify', 8: 'LeaveNotify', 9: 'FocusIn', 10: 'FocusOut', 11: 'KeymapNotify',
    12: 'Expose', 13: 'GraphicsExpose', 14: 'NoExpose', 15: 'VisibilityNotify',
    16: 'CreateNotify', 17: 'DestroyNotify', 18: 'UnmapNotify', 19: 'MapNotify',
    20: 'MapRequest', 21: 'ReparentNotify', 22: 'ConfigureNotify', 23: 'ConfigureRequest',
    24: 'GravityNotify', 25: 'ResizeRequest', 26: 'CirculateNotify', 27: 'CirculateRequest',
    28: 'PropertyNotify', 29: 'SelectionClear', 30: 'SelectionRequest', 31: 'SelectionNotify',
    32: 'ColormapNotify', 33: 'ClientMessage', 34: 'MappingNotify', 35: 'GenericEvent',
}
ERRORS = {
    0: 'Success', 1: 'BadRequest', 2: 'BadValue', 3: 'BadWindow', 4: 'BadPixmap', 5: 'BadAtom',
    6: 'BadCursor', 7: 'BadFont', 8: 'BadMatch', 9: 'BadDrawable', 10: 'BadAccess',
    11: 'BadAlloc', 12: 'BadColormap', 13: 'BadGC', 14: 'BadIDChoice', 15: 'BadName',
    16: 'BadLength', 17: 'BadImplementation',
}
WINDOW_CLASSES = {
    0: 'CopyFromParent', 1: 'InputOutput', 2: 'InputOnly',
}
ATOMS = {
    1: 'PRIMARY', 2: 'SECONDARY', 3: 'ARC', 4: 'ATOM', 5: 'BITMAP', 6: 'CARDINAL',
    7: 'COLORMAP', 8: 'CURSOR', 9: 'CUT_BUFFER0', 10: 'CUT_BUFFER1', 11: 'CUT_BUFFER2',
    12: 'CUT_BUFFER3', 13: 'CUT_BUFFER4', 14: 'CUT_BUFFER5', 15: 'CUT_BUFFER6',
    16: 'CUT_BUFFER7', 17: 'DRAWABLE', 18: 'FONT', 19: 'INTEGER', 20: 'PIXMAP', 21: 'POINT',
    22: 'RECTANGLE', 23: 'RESOURCE_MANAGER', 24: 'RGB_COLOR_MAP', 25: 'RGB_BEST_MAP',
    26: 'RGB_BLUE_MAP', 27: 'RGB_DEFAULT_MAP', 28: 'RGB_GRAY_MAP', 29: 'RGB_GREEN_MAP',
    30: 'RGB_RED_MAP', 31: 'STRING', 32: 'VISUALID', 33: 'WINDOW', 34: 'WM_COMMAND',
    35: 'WM_HINTS', 36: 'WM_CLIENT_MACHINE', 37: 'WM_ICON_NAME', 38: 'WM_ICON_SIZE',
    39: 'WM_NAME', 40: 'WM_NORMAL_HINTS', 41: 'WM_SIZE_HINTS', 42: 'WM_ZOOM_HINTS',
    43: 'MIN_SPACE', 44: 'NORM_SPACE', 45: 'MAX_SPACE', 46: 'END_SPACE', 47: 'SUPERSCRIPT_X',
    48: 'SUPERSCRIPT_Y', 49: 'SUBSCRIPT_X', 50: 'SUBSCRIPT_Y', 51: 'UNDERLINE_POSITION',
    52: 'UNDERLINE_THICKNESS', 53: 'STRIKEOUT_ASCENT', 54: 'STRIKEOUT_DESCENT',
    55: 'ITALIC_ANGLE', 56: 'X_HEIGHT', 57: 'QUAD_WIDTH', 58: 'WEIGHT', 59: 'POINT_SIZE',
    60: 'RESOLUTION', 61: 'COPYRIGHT', 62: 'NOTICE', 63: 'FONT_NAME', 64: 'FAMILY_NAME',
    65: 'FULL_NAME', 66: 'CAP_HEIGHT', 67: 'WM_CLASS', 68: 'WM_TRANSIENT_FOR',
}
