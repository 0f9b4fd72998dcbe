/** Height of the bottom tab bar, above the phone's safe area (the home indicator). */
export const TAB_BAR_HEIGHT = 60;

/** Where bars that sit on the tab bar start from the bottom of the screen. */
export const ABOVE_TAB_BAR = `calc(${TAB_BAR_HEIGHT}px + env(safe-area-inset-bottom))`;
