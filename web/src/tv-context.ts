import { createContext, useContext, useEffect } from 'react';

/** Lets the page that knows (a wallboard, a board saved as TV) put the whole app in TV mode. */
export const TvContext = createContext<(tv: boolean) => void>(() => {});

export function useTvMode(tv: boolean): void {
  const setTv = useContext(TvContext);
  useEffect(() => {
    setTv(tv);
    return () => setTv(false);
  }, [tv, setTv]);
}
