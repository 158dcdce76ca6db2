// The live channel: one typed Socket.IO connection to /agent, authenticated by the
// session cookie. Exposes its connection state and hooks to listen to server events.
import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import { io, type Socket } from 'socket.io-client';
import { Store } from './lib/store';
import type { AgentClientEvents, AgentServerEvents, ErrorBody } from './types';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;

export const connection = new Store<'connected' | 'disconnected'>('disconnected');

/**
 * Opens the socket. A refused handshake (the server's middleware) does not retry by
 * itself: UNAUTHENTICATED ends the session, anything else retries after a pause.
 */
export function openAgentSocket(onUnauthenticated: () => void): { socket: AgentSocket; dispose: () => void } {
  const socket: AgentSocket = io('/agent', { withCredentials: true });
  let retry: ReturnType<typeof setTimeout> | undefined;
  socket.on('connect', () => connection.set('connected'));
  socket.on('disconnect', (reason) => {
    connection.set('disconnected');
    // The server closed it (the agent was deleted, or a restart): reconnecting either
    // works or fails with UNAUTHENTICATED, which ends the session below.
    if (reason === 'io server disconnect') {
      clearTimeout(retry);
      retry = setTimeout(() => socket.connect(), 1000);
    }
  });
  socket.on('connect_error', (err: Error & { data?: Partial<ErrorBody> }) => {
    connection.set('disconnected');
    if (socket.active) return; // a transport problem: the client retries with backoff
    if (err.data?.code === 'UNAUTHENTICATED') {
      onUnauthenticated();
      return;
    }
    clearTimeout(retry);
    retry = setTimeout(() => socket.connect(), 5000);
  });
  const dispose = () => {
    clearTimeout(retry);
    socket.removeAllListeners();
    socket.disconnect();
    connection.set('disconnected');
  };
  return { socket, dispose };
}

export const SocketContext = createContext<AgentSocket | null>(null);

export function useSocket(): AgentSocket {
  const socket = useContext(SocketContext);
  if (!socket) throw new Error('useSocket outside the dashboard');
  return socket;
}

type Listener<E extends keyof AgentServerEvents> = AgentServerEvents[E];

/** Listens to one server event for the component's lifetime; the handler may change freely. */
export function useSocketEvent<E extends keyof AgentServerEvents>(event: E, handler: Listener<E>): void {
  const socket = useSocket();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const fn = ((...args: Parameters<Listener<E>>) => (ref.current as (...a: Parameters<Listener<E>>) => void)(...args)) as Listener<E>;
    // Socket.IO's listener types are too generic for TS to relate to Listener<E>.
    (socket.on as (e: string, f: unknown) => void)(event, fn);
    return () => (socket.off as (e: string, f: unknown) => void)(event, fn);
  }, [socket, event]);
}

/** Runs `handler` on every (re)connection, and once at mount when already connected. */
export function useOnConnect(handler: () => void, opts: { immediate?: boolean } = {}): void {
  const socket = useSocket();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const fn = () => ref.current();
    socket.on('connect', fn);
    if (opts.immediate && socket.connected) fn();
    return () => socket.off('connect', fn);
  }, [socket]);
}
