// A wall must never stay blank: if rendering throws, say so on screen and reload the page.
import { Component, type ReactNode } from 'react';

export class ErrorBoundary extends Component<{ children: ReactNode }, { error: string | null }> {
  override state = { error: null as string | null };

  static getDerivedStateFromError(err: unknown): { error: string } {
    return { error: err instanceof Error ? err.message : String(err) };
  }

  override componentDidCatch(): void {
    setTimeout(() => location.reload(), 3_000);
  }

  override render(): ReactNode {
    if (this.state.error !== null) {
      return (
        <div className="empty" data-ui-error={this.state.error}>
          界面出错，正在恢复 · The screen failed and is reloading: {this.state.error}
        </div>
      );
    }
    return this.props.children;
  }
}
