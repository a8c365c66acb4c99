import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import { createAppStore, type AppState } from './appStore';
import { browserDeps } from './defaultDeps';

export type { AppState, AppDeps, PackState } from './appStore';
export type { Settings, SettingKey, NumericSettingKey, SettingsErrors, BackendChoice } from './settings';
export type { GpuCheckState } from './gpuCheck';
export type { JobState, JobStatus, LiveFrame } from './progress';
export type { LoadedImage } from './image';
export { createAppStore } from './appStore';

let store: StoreApi<AppState> | null = null;

/** The app's store, created on first use (no side effects on import). */
export function getAppStore(): StoreApi<AppState> {
  store ??= createAppStore(browserDeps());
  return store;
}

/** Read the store with a selector (select primitives or stable references; use useShallow for objects). */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(getAppStore(), selector);
}
