import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  /** Where the error happened, in the user's words ("this page"). */
  area: string;
  children: ReactNode;
  /** Changing it clears a shown error (e.g. the page id when the user navigates). */
  resetKey?: string;
}

interface State {
  error: Error | null;
  resetKey?: string;
}

/** Catches a crash in its area, shows what happened, and keeps the rest of the app running. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey !== state.resetKey) return { error: null, resetKey: props.resetKey };
    return null;
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`Kata Studio: ${this.props.area} crashed`, error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="crash" role="alert">
        <h2>Something went wrong in {this.props.area}</h2>
        <p className="crash-message">{error.message || error.name}</p>
        <p>Your saved work is safe. Try again, or go to another page from the sidebar.</p>
        <div className="row">
          <button className="button primary" onClick={() => this.setState({ error: null })}>
            Try again
          </button>
          <button className="button" onClick={() => void navigator.clipboard?.writeText(`${error.name}: ${error.message}\n${error.stack ?? ''}`)}>
            Copy details
          </button>
        </div>
      </div>
    );
  }
}
